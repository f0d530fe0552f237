"""``verify_chain`` and ``manage.py verify_audit`` against a log tampered with in raw SQL.

On PostgreSQL a trigger refuses UPDATE and DELETE on the log, so the tampering
switches it off first: these tests play an attacker with owner rights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client

from samverkan.accounts.models import User
from samverkan.audit.actions import BreakKind, ChainBreak, do_record_event, verify_chain
from samverkan.audit.keys import keyring
from samverkan.audit.management.commands import verify_audit
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent

EVENTS = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table


@contextmanager
def raw_sql() -> Iterator[Any]:
    """A cursor that changes the log behind the application's back."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # ALTER TABLE refuses while deferred foreign-key checks are pending in
            # the test's transaction; run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {EVENTS} DISABLE TRIGGER audit_event_append_only")
        try:
            yield cursor
        finally:
            if postgres:
                cursor.execute(f"ALTER TABLE {EVENTS} ENABLE TRIGGER audit_event_append_only")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def insert_row(cursor: Any, event: AuditEvent) -> int:
    """INSERT ``event`` as it stands, bypassing ``do_record_event``; return its id."""
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    cursor.execute(f"INSERT INTO {EVENTS} ({columns}) VALUES ({placeholders}) RETURNING id", values)
    row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def forged(seq: int, prev: AuditEvent) -> AuditEvent:
    """A well-formed event linked to ``prev``, signed with the key: only its neighbours can give it away."""
    event = AuditEvent(
        key_id=keyring().current_id,
        seq=seq,
        timestamp=prev.timestamp,
        user_id=prev.user_id,
        username=prev.username,
        agency_id=prev.agency_id,
        role=prev.role,
        action=AuditAction.VIEW,
        record_type="client",
        record_id="forged",
        prev_hash=prev.hash,
    )
    event.hash = event.compute_hash()
    return event


def verify_broken() -> tuple[int, ChainBreak]:
    """``verify_chain()`` on a log that must be broken: events checked, the first break."""
    checked, broken = verify_chain()
    assert broken is not None, "the tampering went unnoticed"
    return checked, broken


def command_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    message = str(failure.value)
    assert f"event #{seq}" in message
    assert failure.value.returncode == 1
    return message


@pytest.fixture
def chain(personas: dict[str, User]) -> list[AuditEvent]:
    """Five events, #1 to #5."""
    user = personas["polis.inre"]
    return [
        do_record_event(user=user, action=AuditAction.VIEW, record_type="client", record_id=n)
        for n in range(1, 6)
    ]


def test_empty_log_is_intact(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_chain() == (0, None)
    call_command("verify_audit")
    assert "0 events checked: OK" in capsys.readouterr().out


def test_intact_log_passes(chain: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_chain() == (5, None)
    call_command("verify_audit")
    assert "5 events checked: OK" in capsys.readouterr().out


def test_altered_row_is_found(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = %s WHERE seq = 3", ["someone.else"])

    checked, broken = verify_broken()
    assert checked == 2
    assert (broken.seq, broken.event_id, broken.kind) == (3, chain[2].pk, BreakKind.ALTERED)
    assert "altered" in command_fails_at(3)


def test_altered_and_rehashed_row_breaks_the_next_link(chain: list[AuditEvent]) -> None:
    doctored = AuditEvent.objects.get(seq=3)
    doctored.detail = "nothing to see"
    with raw_sql() as cursor:
        cursor.execute(
            f"UPDATE {EVENTS} SET detail = %s, hash = %s WHERE seq = 3",
            [doctored.detail, doctored.compute_hash()],
        )

    _checked, broken = verify_broken()
    assert (broken.seq, broken.event_id, broken.kind) == (4, chain[3].pk, BreakKind.UNLINKED)
    command_fails_at(4)


def test_altered_and_rehashed_last_row_no_longer_matches_the_head(
    chain: list[AuditEvent],
) -> None:
    doctored = AuditEvent.objects.get(seq=5)
    doctored.record_id = "99"
    with raw_sql() as cursor:
        cursor.execute(
            f"UPDATE {EVENTS} SET record_id = %s, hash = %s WHERE seq = 5",
            [doctored.record_id, doctored.compute_hash()],
        )

    _checked, broken = verify_broken()
    assert (broken.seq, broken.event_id, broken.kind) == (5, chain[4].pk, BreakKind.ALTERED)
    command_fails_at(5)


def test_deleted_row_in_the_middle_is_found(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE seq = 3")

    checked, broken = verify_broken()
    assert checked == 2
    assert (broken.seq, broken.event_id, broken.kind) == (3, None, BreakKind.DELETED)
    assert "#4" in broken.reason
    assert "deleted" in command_fails_at(3)


def test_deleted_rows_in_the_middle_are_named_as_a_range(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE seq IN (2, 3)")

    _checked, broken = verify_broken()
    assert (broken.seq, broken.kind) == (2, BreakKind.DELETED)
    assert str(broken).startswith("event #2: missing, and so are the events up to #3 (deleted)")


def test_deleted_last_row_is_found_from_the_head(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE seq = 5")

    checked, broken = verify_broken()
    assert checked == 4
    assert (broken.seq, broken.event_id, broken.kind) == (5, None, BreakKind.DELETED)
    assert "deleted" in command_fails_at(5)


def test_inserted_row_in_the_middle_is_found(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        # Make room after #2 (in two steps, so that the unique seq never collides).
        cursor.execute(f"UPDATE {EVENTS} SET seq = -(seq + 1) WHERE seq > 2")
        cursor.execute(f"UPDATE {EVENTS} SET seq = -seq WHERE seq < 0")
        inserted_id = insert_row(cursor, forged(3, prev=chain[1]))

    checked, broken = verify_broken()
    assert checked == 3
    assert (broken.seq, broken.event_id, broken.kind) == (3, inserted_id, BreakKind.INSERTED)
    assert "inserted" in command_fails_at(3)


def test_inserted_row_at_the_end_is_found_from_the_head(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        inserted_id = insert_row(cursor, forged(6, prev=chain[4]))

    checked, broken = verify_broken()
    assert checked == 6
    assert (broken.seq, broken.event_id, broken.kind) == (6, inserted_id, BreakKind.INSERTED)
    assert "inserted" in command_fails_at(6)


def test_missing_head_is_found(chain: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {HEAD}")

    _checked, broken = verify_broken()
    assert (broken.seq, broken.kind) == (None, BreakKind.HEAD_MISSING)


def test_events_appended_during_the_walk_are_not_a_break(chain: list[AuditEvent]) -> None:
    user = User.objects.get(username="polis.inre")
    appended: list[AuditEvent] = []

    def append_once(checked: int) -> None:
        if not appended:
            appended.append(do_record_event(user=user, action=AuditAction.LIST))

    assert verify_chain(progress=append_once, progress_every=1, chunk_size=1) == (6, None)
    assert appended


def test_command_line_prints_the_break_on_stderr_and_exits_1(
    chain: list[AuditEvent],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET action = 'list' WHERE seq = 2")
    # run_from_argv closes every connection when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exit_:
        verify_audit.Command().run_from_argv(["manage.py", "verify_audit"])

    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "event #2" in captured.err
    assert "altered" in captured.err
    assert "OK" not in captured.out


def test_progress_is_reported(chain: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_audit", progress_every=2)
    captured = capsys.readouterr()
    assert "2 events checked\n" in captured.err
    assert "4 events checked\n" in captured.err
    assert "5 events checked: OK" in captured.out


def test_user_stays_on_the_event_after_the_user_is_deleted(
    personas: dict[str, User], login: Callable[[User], Client]
) -> None:
    leaver = personas["polis.utredare"]
    leaver_id, leaver_role = leaver.pk, leaver.role
    event = do_record_event(
        user=leaver, action=AuditAction.VIEW, record_type="crime_report", record_id=42
    )
    leaver.delete()

    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.user_id, kept.username, kept.role) == (leaver_id, "polis.utredare", leaver_role)
    assert kept.hash == event.hash
    assert verify_chain() == (1, None)
    page = login(personas["polis.granskare"]).get("/logg/", {"record_id": "42"})
    assert "polis.utredare" in page.content.decode()
    _checked, broken = verify_chain()
    assert broken is None
