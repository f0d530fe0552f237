"""Backup and restore of the whole database, with a manifest that says what a good restore holds.

``backup(output)`` writes the dump to ``output`` and a manifest beside it
(``output`` + ``.manifest.json``): the dump's SHA-256 and size, the engine, the
row count of every table and the audit chain's head, all taken from the very
state the dump holds:

- PostgreSQL: ``pg_dump --format=custom`` inside a repeatable-read snapshot that
  this process exports (``pg_export_snapshot``), so the counts and the head are
  read in the same snapshot the dump is made from, while the site keeps running;
- SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a
  consistent state page by page; the counts and the head are read from the copy.

``restore(input)`` refuses a dump whose checksum does not match its manifest
(before touching the database), a dump of the other engine, and a target that
already holds tables unless ``force`` is given; after the restore it checks that
every table has its rows and the chain its head. ``verify_audit`` is then run by
the command (the key and the checkpoints are not in the dump: docs/backup.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

FORMAT = "samverkan-backup"
VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
CHUNK = 1 << 20


class BackupError(Exception):
    """Why a backup or a restore was refused or failed (shown to the operator as it is)."""


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def engine_of(connection: BaseDatabaseWrapper) -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backup supports PostgreSQL and SQLite, not {vendor}.")
    return vendor


@dataclass(frozen=True)
class State:
    """What a database holds, as the manifest records it and a restore must reproduce."""

    tables: dict[str, int]
    audit_head: dict[str, Any] | None
    audit_key_ids: list[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _state(cursor: Any, tables: list[str]) -> State:
    counts: dict[str, int] = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - table names from introspection
        counts[table] = int(cursor.fetchone()[0])
    head = None
    key_ids: list[str] = []
    if "audit_auditchainhead" in counts:
        cursor.execute("SELECT seq, last_hash FROM audit_auditchainhead WHERE id = 1")
        row = cursor.fetchone()
        head = {"seq": int(row[0]), "last_hash": str(row[1])} if row else None
    if "audit_auditevent" in counts:
        cursor.execute("SELECT DISTINCT key_id FROM audit_auditevent ORDER BY key_id")
        key_ids = [str(r[0]) for r in cursor.fetchall()]
    return State(counts, head, key_ids)


def current_state(using: str = "default") -> State:
    """The row counts and chain head of the database as it is now (after a restore)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return _state(cursor, _tables(connection))


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return [
            t for t in connection.introspection.table_names(cursor)
            if not t.startswith("sqlite_")
        ]


# --- PostgreSQL -------------------------------------------------------------------


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    for key, value in (("PGHOST", s.get("HOST")), ("PGPORT", s.get("PORT")), ("PGUSER", s.get("USER")),
                       ("PGPASSWORD", s.get("PASSWORD")), ("PGDATABASE", s.get("NAME"))):
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH (install the PostgreSQL client tools).")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  pg_dump/pg_restore found on PATH, arguments a list, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


@contextlib.contextmanager
def _pg_snapshot(connection: BaseDatabaseWrapper) -> Iterator[tuple[str, State]]:
    """A repeatable-read transaction whose snapshot pg_dump can share, and the state in it."""
    tables = _tables(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        yield snapshot, _state(cursor, tables)


def _backup_postgresql(connection: BaseDatabaseWrapper, output: Path) -> State:
    pg_dump = _tool("pg_dump")
    with _pg_snapshot(connection) as (snapshot, state):
        _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
              f"--file={output}"], _pg_env(connection))
    return state


def _restore_postgresql(connection: BaseDatabaseWrapper, dump: Path, *, force: bool) -> None:
    pg_restore = _tool("pg_restore")
    args = [pg_restore, "--no-password", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    env = _pg_env(connection)
    connection.close()  # pg_restore works alone; Django reconnects afterwards
    _run([*args, f"--dbname={env.get('PGDATABASE', '')}", str(dump)], env)


# --- SQLite -----------------------------------------------------------------------


def _raw_sqlite(connection: BaseDatabaseWrapper) -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _backup_sqlite(connection: BaseDatabaseWrapper, output: Path) -> State:
    source = _raw_sqlite(connection)
    target = sqlite3.connect(output)
    try:
        source.backup(target)
        # One self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [str(r[0]) for r in cursor.fetchall()]
        return _state(cursor, tables)
    finally:
        target.close()


def _restore_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> None:
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        source.backup(_raw_sqlite(connection))
    finally:
        source.close()


# --- Both -------------------------------------------------------------------------


def backup(output: Path, using: str = "default") -> dict[str, Any]:
    """Write the dump to ``output`` and its manifest beside it; return the manifest."""
    connection = connections[using]
    engine = engine_of(connection)
    output = output.resolve()
    if output.exists():
        raise BackupError(f"{output} exists already; a backup never overwrites one.")
    output.parent.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    try:
        state = _backup_postgresql(connection, output) if engine == "postgresql" else _backup_sqlite(connection, output)
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "engine": engine,
        "created_at": started.isoformat(),
        "dump": output.name,
        "bytes": output.stat().st_size,
        "sha256": sha256_of(output),
        "tables": state.tables,
        "audit_head": state.audit_head,
        "audit_key_ids": state.audit_key_ids,
    }
    manifest_path(output).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(dump: Path) -> dict[str, Any]:
    path = manifest_path(dump)
    if not path.exists():
        raise BackupError(f"No manifest {path.name} beside the dump: its checksum cannot be checked.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"The manifest {path.name} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path.name} is not a manifest of a Samverkan backup (version {VERSION}).")
    return manifest


def check_dump(dump: Path) -> dict[str, Any]:
    """The manifest, once the dump's size and SHA-256 match it; ``BackupError`` otherwise."""
    if not dump.is_file():
        raise BackupError(f"{dump} is not a file.")
    manifest = read_manifest(dump)
    if dump.stat().st_size != manifest.get("bytes") or sha256_of(dump) != manifest.get("sha256"):
        raise BackupError(
            f"The checksum of {dump.name} does not match its manifest: the file is damaged or "
            "not the one backed up. Nothing was restored."
        )
    return manifest


def differences(expected: dict[str, Any], state: State) -> list[str]:
    """What the restored database lacks or has different from the manifest (empty: all there)."""
    problems = []
    for table, count in sorted(expected["tables"].items()):
        got = state.tables.get(table)
        if got != count:
            problems.append(f"{table}: {got if got is not None else 'missing'} rows, expected {count}")
    if expected.get("audit_head") != state.audit_head:
        problems.append(f"audit chain head {state.audit_head}, expected {expected.get('audit_head')}")
    return problems


def restore(dump: Path, *, using: str = "default", force: bool = False) -> dict[str, Any]:
    """Restore ``dump`` into the database; return its manifest. Checks before it changes anything."""
    dump = dump.resolve()
    manifest = check_dump(dump)
    connection = connections[using]
    engine = engine_of(connection)
    if manifest["engine"] != engine:
        raise BackupError(f"The dump is of {manifest['engine']}; this database is {engine}.")
    existing = _tables(connection)
    if existing and not force:
        raise BackupError(
            f"The target database is not empty ({len(existing)} tables). Restore into an empty "
            "database, or give --force to replace what it holds."
        )
    if engine == "postgresql":
        _restore_postgresql(connection, dump, force=force)
    else:
        _restore_sqlite(connection, dump)
    problems = differences(manifest, current_state(using))
    if problems:
        raise BackupError("The restored database differs from the manifest: " + "; ".join(problems[:20]))
    return manifest
