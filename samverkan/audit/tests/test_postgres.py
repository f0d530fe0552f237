"""PostgreSQL only: the append-only trigger, and many writers appending at once."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from samverkan.accounts.models import User
from samverkan.audit.actions import do_record_event, verify_chain
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

EVENTS = AuditEvent._meta.db_table
THREADS = 8
EVENTS_PER_THREAD = 25


@pytest.fixture
def event(personas: dict[str, User]) -> AuditEvent:
    return do_record_event(user=personas["polis.inre"], action=AuditAction.VIEW, record_id=1)


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {EVENTS} SET username = 'someone.else'",
        f"UPDATE {EVENTS} SET hash = prev_hash",
        f"DELETE FROM {EVENTS}",
    ],
)
def test_trigger_refuses_raw_changes(event: AuditEvent, statement: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


def test_trigger_refuses_orm_update_and_delete(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert verify_chain() == (1, None)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_unbroken_chain(personas: dict[str, User]) -> None:
    users = list(personas.values())[:THREADS]
    for user in users:
        assert user.membership is not None  # cache it before the threads share the object
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def write(user: User) -> None:
        try:
            start.wait(timeout=30)
            for n in range(EVENTS_PER_THREAD):
                do_record_event(
                    user=user, action=AuditAction.VIEW, record_type="shift", record_id=n
                )
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    total = THREADS * EVENTS_PER_THREAD
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    assert AuditChainHead.objects.get().seq == total
    for user in users:
        assert AuditEvent.objects.filter(user_id=user.pk).count() == EVENTS_PER_THREAD
    assert verify_chain() == (total, None)
