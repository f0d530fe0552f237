"""Signed checkpoints of the audit chain's head, kept outside the database.

A checkpoint records the head's sequence number and hash at a moment, signed
with the chain's key (``audit/keys.py``). It is appended as one JSON line to
``audit-checkpoints.jsonl`` in ``SAMVERKAN_AUDIT_CHECKPOINT_DIR``, a place the
database's owner cannot reach (another disk, a mount shipped off the host, a
write-once store). ``verify_audit`` checks the log against the newest one: a
log that is shorter, empty, without its head, or different at the checkpoint's
event was rewritten, whatever its own hashes say.

Checkpoints are written on demand (``manage.py audit_checkpoint``) and on a
schedule (a cron line or systemd timer, docs/audit.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from samverkan.audit.keys import Keyring, keyring

FILE_NAME = "audit-checkpoints.jsonl"
# Separates a checkpoint's signature from every event hash made with the same key.
DOMAIN = b"samverkan-audit-checkpoint-v1\n"


class CheckpointError(Exception):
    """The checkpoint file cannot be trusted: unreadable, malformed, or a signature that fails."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        body = {"seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id}
        return DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed(self, keys: Keyring) -> Checkpoint:
        return Checkpoint(
            self.seq, self.hash, self.time, self.key_id, keys.sign(self.key_id, self.message())
        )

    def __str__(self) -> str:
        return f"checkpoint of {self.time} at #{self.seq}"


def checkpoint_dir() -> Path | None:
    configured = settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR
    return Path(configured) if configured else None


def checkpoint_file() -> Path | None:
    directory = checkpoint_dir()
    return directory / FILE_NAME if directory else None


def read_checkpoints(path: Path | None = None, keys: Keyring | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file, each signature verified, in the order written.

    An absent file (or no directory configured) is an empty list; anything that
    cannot be trusted raises ``CheckpointError`` naming the line.
    """
    path = path or checkpoint_file()
    if path is None or not path.exists():
        return []
    keys = keys or keyring()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} cannot be read: {exc}") from exc
    found: list[Checkpoint] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoint = Checkpoint(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                time=str(data["time"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(f"{path}, line {number}: not a checkpoint.") from None
        if checkpoint.key_id not in keys.keys:
            raise CheckpointError(
                f"{path}, line {number}: signed with key {checkpoint.key_id!r}, which the key file does not hold."
            )
        if not keys.verify(checkpoint.key_id, checkpoint.message(), checkpoint.signature):
            raise CheckpointError(
                f"{path}, line {number}: the signature does not verify (altered or forged)."
            )
        if found and checkpoint.seq < found[-1].seq:
            raise CheckpointError(
                f"{path}, line {number}: #{checkpoint.seq} is behind the checkpoint before it "
                f"(#{found[-1].seq}); the log only grows."
            )
        found.append(checkpoint)
    return found


def newest_checkpoint() -> Checkpoint | None:
    checkpoints = read_checkpoints()
    return checkpoints[-1] if checkpoints else None


def append_checkpoint(seq: int, hash_: str) -> Checkpoint:
    """Sign the head ``(seq, hash_)`` with the current key and append it to the file (fsynced)."""
    path = checkpoint_file()
    if path is None:
        raise CheckpointError(
            "SAMVERKAN_AUDIT_CHECKPOINT_DIR is not set: there is nowhere to write checkpoints."
        )
    keys = keyring()
    checkpoint = Checkpoint(
        seq=seq,
        hash=hash_,
        time=timezone.now().isoformat(timespec="seconds"),
        key_id=keys.current_id,
    ).signed(keys)
    line = json.dumps(asdict(checkpoint), sort_keys=True, separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise CheckpointError(f"{path} cannot be written: {exc}") from exc
    return checkpoint
