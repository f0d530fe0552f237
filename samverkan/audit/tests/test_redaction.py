"""A purged person's name is redacted from the log's text through a redaction event on the chain.

The redacted event keeps its place, its hash and every other field; the
``redact`` event after it vouches for its new text. ``verify_audit`` accepts
exactly that, and still catches any other change: to a redacted event, to the
redaction event, or a redaction forged without the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from samverkan.accounts.models import User
from samverkan.audit.actions import (
    BreakKind,
    BrokenChain,
    do_record_event,
    do_redact_event,
    do_write_checkpoint,
    verify_chain,
)
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.tests.test_verify import raw_sql

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table
NAME = "Kalle Testsson"


@pytest.fixture
def log(personas: dict[str, User]) -> list[AuditEvent]:
    user = personas["soc.handlaggare"]
    return [
        do_record_event(user=user, action=AuditAction.VIEW, record_type="client", record_id=1),
        do_record_event(
            user=user, action=AuditAction.LIST, record_type="client", detail=f"search for {NAME}; ids=1",
            purpose=f"samtal med {NAME}",
        ),
        do_record_event(user=user, action=AuditAction.VIEW, record_type="client", record_id=2),
    ]


def test_redaction_replaces_only_the_text_and_the_chain_still_verifies(log: list[AuditEvent]) -> None:
    named = log[1]
    before = AuditEvent.objects.get(pk=named.pk)
    redaction = do_redact_event(named, detail="search for [gallrat]; ids=1", purpose="samtal med [gallrat]")
    after = AuditEvent.objects.get(pk=named.pk)
    assert (after.detail, after.purpose) == ("search for [gallrat]; ids=1", "samtal med [gallrat]")
    assert NAME not in after.detail + after.purpose
    # Everything else stands: its place, its hash, who, when, what.
    for name in ("seq", "hash", "prev_hash", "timestamp", "user_id", "username", "action", "record_type", "key_id"):
        assert getattr(after, name) == getattr(before, name), name
    # The redaction is on the chain, after the event, naming it and holding no name.
    assert redaction.seq > named.seq
    assert (redaction.action, redaction.record_id) == (AuditAction.REDACT, str(named.seq))
    assert NAME not in redaction.detail
    assert json.loads(redaction.detail)["hash"] == named.hash
    assert AuditEvent.objects.count() == 4  # nothing deleted
    assert verify_chain() == (4, None)


def test_a_redacted_event_altered_again_breaks_the_chain(log: list[AuditEvent]) -> None:
    do_redact_event(log[1], detail="[gallrat]", purpose="")
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET detail = %s WHERE id = %s", ["something else", log[1].pk])
    _checked, broken = verify_chain()
    assert broken is not None and broken.kind is BreakKind.ALTERED and broken.seq == log[1].seq


def test_a_redacted_event_with_another_field_changed_breaks_the_chain(log: list[AuditEvent]) -> None:
    do_redact_event(log[1], detail="[gallrat]", purpose="")
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = %s WHERE id = %s", ["someone.else", log[1].pk])
    _checked, broken = verify_chain()
    assert broken is not None and broken.kind is BreakKind.ALTERED and broken.seq == log[1].seq


def test_text_changed_without_a_redaction_event_breaks_the_chain(log: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET detail = %s WHERE id = %s", ["[gallrat]", log[1].pk])
    _checked, broken = verify_chain()
    assert broken is not None and broken.kind is BreakKind.ALTERED and broken.seq == log[1].seq


def test_a_forged_redaction_event_breaks_the_chain(log: list[AuditEvent]) -> None:
    redaction = do_redact_event(log[1], detail="[gallrat]", purpose="")
    # Pointing the redaction at another event, without the key to re-sign it.
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET record_id = %s WHERE id = %s", [str(log[0].seq), redaction.pk])
    _checked, broken = verify_chain()
    assert broken is not None and broken.kind is BreakKind.ALTERED


def test_an_altered_event_cannot_be_laundered_by_a_redaction(log: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = %s WHERE id = %s", ["someone.else", log[1].pk])
    with pytest.raises(BrokenChain):
        do_redact_event(AuditEvent.objects.get(pk=log[1].pk), detail="[gallrat]", purpose="")


def test_an_event_can_be_redacted_twice(log: list[AuditEvent]) -> None:
    do_redact_event(log[1], detail="search for [gallrat]; ids=1", purpose=f"samtal med {NAME}")
    do_redact_event(log[1], detail="search for [gallrat]; ids=1", purpose="samtal med [gallrat]")
    assert verify_chain() == (5, None)


def test_redaction_keeps_the_checkpoints(log: list[AuditEvent], settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR = str(tmp_path)  # type: ignore[attr-defined]
    do_write_checkpoint()
    do_redact_event(log[1], detail="[gallrat]", purpose="")
    assert verify_chain() == (4, None)
    assert verify_chain(since_checkpoint=True) == (4, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_trigger_lets_through_only_a_redaction_of_the_text(log: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET detail = 'x' WHERE id = %s", [log[1].pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL samverkan.audit_redaction = 'on'")
        cursor.execute(f"UPDATE {EVENTS} SET username = 'x' WHERE id = %s", [log[1].pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL samverkan.audit_redaction = 'on'")
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [log[1].pk])
    do_redact_event(log[1], detail="[gallrat]", purpose="")
    assert verify_chain() == (4, None)
