"""The audit chain's keys, held outside the database.

Each event's hash is an HMAC-SHA256 under a key that the database never sees:
whoever controls the database (its owner, a restored backup, an attacker with
the superuser's password) can change rows but cannot compute a hash that
verifies. The keys live in a file named by ``SAMVERKAN_AUDIT_KEY_FILE``
(a Docker or systemd credential, a file mounted from a secrets manager):

    # comments and blank lines are ignored
    2026-01:3f1c…64 hex digits…
    2027-01:9a02…64 hex digits…

one ``KEY_ID:SECRET`` a line, the secret in hex (at least 32 bytes). The last
key signs new events and checkpoints; the earlier ones stay in the file so that
the events and checkpoints signed with them still verify (rotation:
docs/audit.md). Each event records the id of its key.

Outside production, a development key is generated once into ``var/`` (see
``settings.SAMVERKAN_AUDIT_KEY_FILE``): the demo and the tests need no setup.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
MIN_SECRET_BYTES = 32


class AuditKeyError(Exception):
    """The key file is missing, unreadable or malformed; the message says how."""


@dataclass(frozen=True)
class Keyring:
    # Key id -> secret, in the file's order; the last one signs.
    keys: dict[str, bytes] = field(repr=False)
    current_id: str
    path: Path

    def sign(self, key_id: str, message: bytes) -> str:
        """The hex HMAC-SHA256 of ``message`` under the key ``key_id`` (KeyError if unknown)."""
        return hmac.new(self.keys[key_id], message, hashlib.sha256).hexdigest()

    def verify(self, key_id: str, message: bytes, signature: str) -> bool:
        if key_id not in self.keys:
            return False
        return hmac.compare_digest(self.sign(key_id, message), signature)


def parse_keyring(text: str, path: Path) -> Keyring:
    keys: dict[str, bytes] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key_id, sep, secret_hex = line.partition(":")
        key_id, secret_hex = key_id.strip(), secret_hex.strip()
        if not sep or not KEY_ID.match(key_id):
            raise AuditKeyError(
                f"{path}, line {number}: write KEY_ID:SECRET (an id of letters, digits, '.', '_' "
                "or '-', at most 32 characters)."
            )
        try:
            secret = bytes.fromhex(secret_hex)
        except ValueError:
            raise AuditKeyError(
                f"{path}, line {number}: the secret of {key_id!r} is not hex."
            ) from None
        if len(secret) < MIN_SECRET_BYTES:
            raise AuditKeyError(
                f"{path}, line {number}: the secret of {key_id!r} is shorter than "
                f"{MIN_SECRET_BYTES} bytes ({2 * MIN_SECRET_BYTES} hex digits)."
            )
        if key_id in keys:
            raise AuditKeyError(f"{path}, line {number}: the key id {key_id!r} is used twice.")
        keys[key_id] = secret
    if not keys:
        raise AuditKeyError(f"{path} holds no key.")
    return Keyring(keys=keys, current_id=list(keys)[-1], path=path)


def new_key_line(key_id: str) -> str:
    """A line for the key file: ``key_id`` with a fresh random 32-byte secret."""
    if not KEY_ID.match(key_id):
        raise AuditKeyError(f"{key_id!r} is not a valid key id.")
    return f"{key_id}:{secrets.token_hex(MIN_SECRET_BYTES)}\n"


def _generate_development_key(path: Path) -> None:
    """Create the development key file once (never in production: settings refuse to start).

    Written to a private temporary file and linked into place, so that a process starting at
    the same moment (parallel test workers, the web server beside the job worker) sees either
    no file or the whole key, never an empty one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write("# Development key of the audit chain, generated; never use it in production.\n")
            out.write(new_key_line("dev-1"))
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


@lru_cache(maxsize=4)
def _load(path: str, modified_ns: int, size: int) -> Keyring:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditKeyError(f"The audit key file {path} cannot be read: {exc}") from exc
    return parse_keyring(text, Path(path))


def keyring() -> Keyring:
    """The configured keyring, read again whenever the file changes (a rotation needs no restart)."""
    path = Path(settings.SAMVERKAN_AUDIT_KEY_FILE)
    if settings.SAMVERKAN_AUDIT_DEV_KEY and not path.exists():
        _generate_development_key(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise AuditKeyError(f"The audit key file {path} cannot be read: {exc}") from exc
    return _load(str(path), stat.st_mtime_ns, stat.st_size)
