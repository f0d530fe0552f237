"""Backup and restore: every row comes back, the audit chain verifies, a damaged dump is refused.

The source is the test database (SQLite in memory, or PostgreSQL with ``PG=name``);
the target a fresh database of the same engine (a temporary file, or a scratch
PostgreSQL database this test creates and drops). The restore and ``verify_audit``
run as the operator runs them, as ``manage.py`` in a process of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.web.backup import (
    BackupError,
    State,
    _state,
    current_state,
    manifest_path,
    read_manifest,
    restore,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)


def _some_rows(personas: dict[str, User]) -> None:
    """Rows in many tables and a chain of audit events."""
    worker = personas["soc.handlaggare"]
    from samverkan.support import actions as social

    client, _ = social.do_create_client(pseudonym="Backup Bertil", stated_age=30, acting_user=worker)
    social.do_record_support_action(
        client, kind="offered", happened_on=timezone.localdate() - dt.timedelta(days=1), note="Anteckning.",
        acting_user=worker,
    )
    for n in range(3):
        do_record_event(user=worker, action=AuditAction.VIEW, record_type="client", record_id=client.pk + n)


def _manage(*args: str, database_url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    checkpoints = tmp / "checkpoints"
    checkpoints.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "samverkan.settings",
        # The same key the test process signs with; no checkpoints (they are not in a backup).
        "SAMVERKAN_AUDIT_KEY_FILE": str(settings.SAMVERKAN_AUDIT_KEY_FILE),
        "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(checkpoints),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
        check=False, timeout=600,
    )


def _state_of(settings_dict: dict[str, Any]) -> State:
    """The counts and chain head of another database, through a connection of its own."""
    default = connections["default"]
    wrapper = default.__class__({**default.settings_dict, **settings_dict}, alias="restored")
    try:
        with wrapper.cursor() as cursor:
            tables = [t for t in wrapper.introspection.table_names(cursor) if not t.startswith("sqlite_")]
            return _state(cursor, tables)
    finally:
        wrapper.close()


def _round_trip(tmp_path: Path, personas: dict[str, User], database_url: str, target: dict[str, Any]) -> None:
    _some_rows(personas)
    dump = tmp_path / "samverkan.dump"
    call_command("backup", str(dump))
    source = current_state()
    manifest = read_manifest(dump)
    assert manifest["tables"] == source.tables
    assert manifest["audit_head"] == source.audit_head and source.audit_head is not None
    assert source.audit_head["seq"] >= 3

    done = _manage("restore", str(dump), database_url=database_url, tmp=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "OK" in done.stdout
    restored = _state_of(target)
    assert restored.tables == source.tables  # every row of every table
    assert restored.audit_head == source.audit_head
    verified = _manage("verify_audit", database_url=database_url, tmp=tmp_path)
    assert verified.returncode == 0, verified.stderr + verified.stdout

    # A second restore into the now non-empty database is refused unless told.
    again = _manage("restore", str(dump), database_url=database_url, tmp=tmp_path)
    assert again.returncode != 0 and "not empty" in again.stderr


def _damaged(dump: Path, tmp_path: Path) -> Path:
    bad = tmp_path / "damaged.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    manifest_path(bad).write_text(manifest_path(dump).read_text())
    return bad


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip runs on SQLite")
def test_sqlite_backup_restores_every_row_and_a_verified_chain(tmp_path: Path, personas: dict[str, User]) -> None:
    target = tmp_path / "restored.sqlite3"
    _round_trip(tmp_path, personas, f"sqlite:///{target}", {"NAME": str(target), "OPTIONS": {}})


@pytest.fixture
def scratch_pg() -> Iterator[dict[str, Any]]:
    s = connection.settings_dict
    name = f"{s['NAME']}_restore"[:63]
    base = ["-h", str(s.get("HOST") or "127.0.0.1"), "-p", str(s.get("PORT") or 5432), "-U", str(s.get("USER") or "postgres")]
    env = {**os.environ, **({"PGPASSWORD": str(s["PASSWORD"])} if s.get("PASSWORD") else {})}
    subprocess.run(["dropdb", *base, "--if-exists", name], env=env, check=True, capture_output=True)
    subprocess.run(["createdb", *base, name], env=env, check=True, capture_output=True)
    try:
        yield {"NAME": name}
    finally:
        subprocess.run(["dropdb", *base, "--if-exists", "--force", name], env=env, check=False, capture_output=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL round trip runs on PostgreSQL")
def test_postgresql_backup_restores_every_row_and_a_verified_chain(
    tmp_path: Path, personas: dict[str, User], scratch_pg: dict[str, Any]
) -> None:
    s = connection.settings_dict
    auth = s.get("USER") or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    url = f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{scratch_pg['NAME']}"
    _round_trip(tmp_path, personas, url, scratch_pg)


def test_a_damaged_dump_or_a_non_empty_target_is_refused_before_anything_changes(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    _some_rows(personas)
    dump = tmp_path / "samverkan.dump"
    call_command("backup", str(dump))
    before = current_state()
    with pytest.raises(BackupError, match="checksum"):
        restore(_damaged(dump, tmp_path))
    manifest_path(dump).rename(tmp_path / "elsewhere.json")
    with pytest.raises(BackupError, match="manifest"):
        restore(dump)
    (tmp_path / "elsewhere.json").rename(manifest_path(dump))
    with pytest.raises(BackupError, match="not empty"):
        restore(dump)  # the test database has tables
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(dump))
    assert current_state() == before
