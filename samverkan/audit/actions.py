"""Writing and verifying the audit log. The only code path that creates an ``AuditEvent``."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from samverkan.accounts.models import Agency
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
    agency: Agency | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one.

    ``user`` may be anonymous (a failed login); then ``username`` says what was
    typed, and ``agency`` may name the agency whose auditors should see the event
    (the agency of the account that was tried). For a signed-in user the agency
    is always the user's own.
    """
    ctx = context.current.get()
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    membership = user.membership if authenticated else None
    if authenticated:
        agency_id = membership.agency_id if membership else None
    else:
        agency_id = agency.pk if agency else None
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "last_hash": GENESIS_HASH}
        )
        event = AuditEvent(
            seq=head.seq + 1,
            timestamp=timezone.now(),
            user_id=user.pk if authenticated else None,
            username=(user.get_username() if authenticated else username)[:150],
            agency_id=agency_id,
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


def audit_record(
    user: Any,
    action: AuditAction | str,
    record_type: str,
    record: object,
    detail: str = "",
    purpose: str = "",
) -> AuditEvent:
    """The event of one action on one record (a model instance or its id): the actions' helper."""
    record_id = getattr(record, "pk", record)
    return do_record_event(
        user=user, action=action, record_type=record_type, record_id=record_id, detail=detail, purpose=purpose
    )


def do_record_views(*, user: Any, record_type: str, record_ids: Iterable[object], detail: str) -> None:
    """One view event for each record a page shows, all in one transaction."""
    with transaction.atomic():
        for record_id in record_ids:
            do_record_event(
                user=user, action=AuditAction.VIEW, record_type=record_type, record_id=record_id, detail=detail
            )


# --- Verification ---------------------------------------------------------------


class BreakKind(enum.StrEnum):
    """What a broken link most likely is."""

    ALTERED = "altered"
    DELETED = "deleted"
    INSERTED = "inserted"
    # The event does not follow its predecessor, and nothing narrower fits: the
    # predecessor was altered and re-hashed, or events were removed and renumbered.
    UNLINKED = "unlinked"
    HEAD_MISSING = "head_missing"


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link: the sequence number where the chain stops being intact.

    ``event_id`` is the row found at that place, or ``None`` when it is missing.
    """

    seq: int | None
    event_id: int | None
    kind: BreakKind
    reason: str

    def __str__(self) -> str:
        if self.seq is None:
            where = "chain head"
        elif self.event_id is None:
            where = f"event #{self.seq}"
        else:
            where = f"event #{self.seq} (id {self.event_id})"
        return f"{where}: {self.reason}"


ProgressCallback = Callable[[int], None]


class _Walk:
    """The state of a walk along the chain, one event at a time."""

    def __init__(self) -> None:
        self.checked = 0
        self.prev_hash = GENESIS_HASH
        # The hash before the previous one: an event that links to it instead of
        # to its own predecessor had that predecessor slipped in before it.
        self.prev_prev_hash: str | None = None
        self.last_id: int | None = None

    def check(self, event: AuditEvent) -> ChainBreak | None:
        expected = self.checked + 1
        # Events come ordered by the unique seq, so a number can only be too high.
        if event.seq != expected:
            last_missing = event.seq - 1
            missing = (
                "missing"
                if last_missing == expected
                else f"missing, and so are the events up to #{last_missing}"
            )
            return ChainBreak(
                expected,
                None,
                BreakKind.DELETED,
                f"{missing} (deleted); #{event.seq} (id {event.pk}) follows #{expected - 1}",
            )
        if event.prev_hash != self.prev_hash:
            if event.prev_hash == self.prev_prev_hash:
                return ChainBreak(
                    expected - 1,
                    self.last_id,
                    BreakKind.INSERTED,
                    f"was inserted: the next event, #{event.seq} (id {event.pk}), "
                    f"links past it to #{expected - 2}",
                )
            return ChainBreak(
                event.seq,
                event.pk,
                BreakKind.UNLINKED,
                f"does not follow event #{expected - 1} (that event was altered and "
                "re-hashed, or events before this one were removed or inserted)",
            )
        if event.compute_hash() != event.hash:
            return ChainBreak(
                event.seq, event.pk, BreakKind.ALTERED, "content does not match its hash (altered)"
            )
        self.checked = expected
        self.prev_prev_hash = self.prev_hash
        self.prev_hash = event.hash
        self.last_id = event.pk
        return None


def verify_chain(
    *,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    chunk_size: int = 5000,
) -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many events were checked and the first broken link.

    ``progress``, if given, is called with the count so far every ``progress_every`` events.

    Runs against a live log without locking it: events appended during the walk
    are walked too, before the end is compared with the chain head (which only
    ever grows, and moves in the same transaction as the event it points to).
    """
    walk = _Walk()
    while True:
        events = (
            AuditEvent.objects.filter(seq__gt=walk.checked)
            .order_by("seq")
            .iterator(chunk_size=chunk_size)
        )
        for event in events:
            broken = walk.check(event)
            if broken is not None:
                return walk.checked, broken
            if progress is not None and walk.checked % progress_every == 0:
                progress(walk.checked)

        head = AuditChainHead.objects.filter(pk=1).first()
        if head is None:
            if walk.checked == 0:
                return 0, None
            return walk.checked, ChainBreak(
                None, None, BreakKind.HEAD_MISSING, "the chain head row is missing (deleted)"
            )
        if head.seq > walk.checked:
            if AuditEvent.objects.filter(seq__gt=walk.checked).exists():
                continue  # appended while we walked: walk on
            return walk.checked, ChainBreak(
                walk.checked + 1,
                None,
                BreakKind.DELETED,
                f"the chain ends at #{walk.checked} but the head records #{head.seq} "
                "(events deleted from the end)",
            )
        if head.seq < walk.checked:
            first_extra = head.seq + 1
            extra_id = (
                AuditEvent.objects.filter(seq=first_extra).values_list("pk", flat=True).first()
            )
            return walk.checked, ChainBreak(
                first_extra,
                extra_id,
                BreakKind.INSERTED,
                f"the head ends the chain at #{head.seq}; events after it were added "
                "outside the log (inserted)",
            )
        if head.last_hash != walk.prev_hash:
            return walk.checked, ChainBreak(
                head.seq,
                walk.last_id,
                BreakKind.ALTERED,
                "the last event does not match the head's hash (altered)",
            )
        return walk.checked, None
