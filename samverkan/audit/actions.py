"""Writing audit events. The only code path that creates an ``AuditEvent``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from samverkan.audit import context
from samverkan.audit.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent


def do_record_event(
    *,
    user: Any,
    action: AuditAction | str,
    record_type: str = "",
    record_id: object = "",
    purpose: str = "",
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one.

    ``user`` may be anonymous (a failed login); then ``username`` says what was typed.
    """
    ctx = context.current.get()
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    membership = user.membership if authenticated else None
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "last_hash": GENESIS_HASH}
        )
        event = AuditEvent(
            seq=head.seq + 1,
            timestamp=timezone.now(),
            user_id=user.pk if authenticated else None,
            username=(user.get_username() if authenticated else username)[:150],
            agency_id=membership.agency_id if membership else None,
            role=membership.role if membership else "",
            action=str(action),
            record_type=str(record_type),
            record_id=str(record_id)[:64],
            purpose=purpose[:300],
            detail=detail[:500],
            request_id=ctx.request_id[:64],
            client_ip=ctx.client_ip,
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "chain head"
        return f"{where}: {self.reason}"


def iter_chain(chunk_size: int = 5000) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many events were checked and the first broken link."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in iter_chain():
        if event.seq < expected_seq:
            return checked, ChainBreak(event.seq, event.pk, "sequence number out of order")
        if event.seq > expected_seq:
            missing = (
                f"#{expected_seq}" if event.seq == expected_seq + 1
                else f"#{expected_seq}–#{event.seq - 1}"
            )
            return checked, ChainBreak(
                event.seq, event.pk, f"event {missing} is missing (deleted)"
            )
        if event.prev_hash != prev_hash:
            return checked, ChainBreak(
                event.seq,
                event.pk,
                "does not follow the previous event (inserted, or its predecessor was replaced)",
            )
        if event.compute_hash() != event.hash:
            return checked, ChainBreak(event.seq, event.pk, "content does not match its hash (altered)")
        checked += 1
        prev_hash = event.hash
        expected_seq += 1

    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_seq != checked or head_hash != prev_hash:
        if head_seq > checked:
            reason = f"the chain ends at #{checked} but the head records #{head_seq} (events deleted from the end)"
        elif head_seq < checked:
            reason = f"events after the head's #{head_seq} were added outside the log (inserted)"
        else:
            reason = "the last event does not match the head's hash (altered)"
        return checked, ChainBreak(None, None, reason)
    return checked, None
