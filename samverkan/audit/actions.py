"""Writing and verifying the audit log. The only code path that creates an ``AuditEvent``."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from samverkan.accounts.models import Agency
from samverkan.audit import context
from samverkan.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    append_checkpoint,
    read_checkpoints,
)
from samverkan.audit.keys import Keyring, keyring
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
    keys = keyring()
    if settings.SAMVERKAN_BENCH_AUDIT_OFF:
        # The load benchmark's measure of the log's cost (settings.py): nothing is written.
        return AuditEvent(action=str(action), record_type=str(record_type), record_id=str(record_id)[:64])
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
            key_id=keys.current_id,
        )
        event.hash = event.compute_hash(keys)
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
        user=user,
        action=action,
        record_type=record_type,
        record_id=record_id,
        detail=detail,
        purpose=purpose,
    )


def do_record_views(
    *, user: Any, record_type: str, record_ids: Iterable[object], detail: str
) -> None:
    """One view event for each record a page shows, all in one transaction."""
    with transaction.atomic():
        for record_id in record_ids:
            do_record_event(
                user=user,
                action=AuditAction.VIEW,
                record_type=record_type,
                record_id=record_id,
                detail=detail,
            )


# --- Redaction ---------------------------------------------------------------------

# What a purged person's name or number becomes in an event's text.
REDACTED = "[gallrat]"


def redacted_digest(event: AuditEvent) -> str:
    """The SHA-256 of a redacted event's content as it now stands (its hash stays the original)."""
    return hashlib.sha256(event.canonical()).hexdigest()


def do_redact_event(event: AuditEvent, *, detail: str, purpose: str, user: Any = None) -> AuditEvent:
    """Replace an event's free text (``detail``, ``purpose``) and record that on the chain.

    Nothing else of the event changes, its hash neither: the next event still links to
    it. A ``redact`` event appended after it names it (``record_id`` = its sequence
    number) and holds its original hash and the digest of its redacted content; that
    event's own HMAC vouches for both, and ``verify_audit`` accepts the redacted event
    by them (``_Walk``). An event whose content no longer matches its hash (or its last
    redaction) is refused: a redaction never launders an alteration.
    """
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().filter(pk=1).first()
        event = AuditEvent.objects.get(pk=event.pk)
        known = _redactions(seq=event.seq).get(event.seq)
        intact = (
            redacted_digest(event) == known[1]
            if known is not None
            else hmac.compare_digest(event.compute_hash(), event.hash)
        )
        if not intact:
            raise BrokenChain(ChainBreak(event.seq, event.pk, BreakKind.ALTERED, "cannot redact an altered event"))
        event.detail, event.purpose = detail[:500], purpose[:300]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The trigger lets an update of the free text through only with this set (0004).
                cursor.execute("SET LOCAL samverkan.audit_redaction = 'on'")
        AuditEvent.objects.filter(pk=event.pk).update(detail=event.detail, purpose=event.purpose)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL samverkan.audit_redaction = 'off'")
        return do_record_event(
            user=user,
            action=AuditAction.REDACT,
            record_type="audit_event",
            record_id=event.seq,
            detail=json.dumps({"hash": event.hash, "digest": redacted_digest(event)}, separators=(",", ":")),
            username="" if user is not None else "manage.py",
        )


def _redactions(*, seq: int | None = None) -> dict[int, tuple[str, str, int]]:
    """Redacted event's seq → (its original hash, its redacted digest, the redaction's seq); the last one counts."""
    events = AuditEvent.objects.filter(action=AuditAction.REDACT, record_type="audit_event")
    if seq is not None:
        events = events.filter(record_id=str(seq))
    found: dict[int, tuple[str, str, int]] = {}
    for redaction_seq, record_id, detail in events.order_by("seq").values_list("seq", "record_id", "detail"):
        try:
            vouched = json.loads(detail)
            found[int(record_id)] = (str(vouched["hash"]), str(vouched["digest"]), redaction_seq)
        except (ValueError, KeyError, TypeError):
            continue  # not a redaction's detail: the event itself is checked by its own hash
    return found


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
    # An event without a key after keyed ones: written by someone without the key.
    UNKEYED = "unkeyed"
    # An event signed with a key id the key file does not hold.
    UNKNOWN_KEY = "unknown_key"
    # The event a checkpoint names has another hash: the log was rewritten.
    REWRITTEN = "rewritten"
    # The log ends before the newest checkpoint: events deleted from the end.
    TRUNCATED = "truncated"
    # The checkpoint file cannot be trusted (unreadable, altered, forged).
    CHECKPOINT = "checkpoint"


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
        if self.kind is BreakKind.CHECKPOINT:
            where = "checkpoint file"
        elif self.seq is None:
            where = "chain head"
        elif self.event_id is None:
            where = f"event #{self.seq}"
        else:
            where = f"event #{self.seq} (id {self.event_id})"
        return f"{where}: {self.reason}"


ProgressCallback = Callable[[int], None]


class _Walk:
    """The state of a walk along the chain, one event at a time.

    It starts at the genesis, or at a checkpoint (``start``): then the first
    event must link to the checkpoint's hash.
    """

    def __init__(
        self,
        keys: Keyring,
        start: Checkpoint | None = None,
        unkeyed_until: int | None = None,
        redactions: dict[int, tuple[str, str, int]] | None = None,
    ) -> None:
        self.keys = keys
        # Events whose text was redacted: checked against the digest a later, keyed
        # ``redact`` event vouches for (that event is checked in its turn).
        self.redactions = redactions or {}
        # Every checkpoint was written by the keyed code, so every event after the first
        # checkpoint was signed: an unkeyed one there was written without the key.
        self.unkeyed_until = unkeyed_until
        self.checked = start.seq if start else 0
        self.prev_hash = start.hash if start else GENESIS_HASH
        # The hash before the previous one: an event that links to it instead of
        # to its own predecessor had that predecessor slipped in before it.
        self.prev_prev_hash: str | None = None
        self.last_id: int | None = None
        # Once an event is keyed, every later one must be: events written before
        # the chain was keyed can only come first.
        self.keyed_seen = False

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
        if not event.key_id:
            if self.unkeyed_until is not None and event.seq > self.unkeyed_until:
                return ChainBreak(
                    event.seq,
                    event.pk,
                    BreakKind.UNKEYED,
                    f"has no key although it comes after the first checkpoint (#{self.unkeyed_until}), "
                    "since when every event is signed (written or re-hashed without the key)",
                )
            if self.keyed_seen:
                return ChainBreak(
                    event.seq,
                    event.pk,
                    BreakKind.UNKEYED,
                    "has no key although the events before it are signed with one "
                    "(written or re-hashed without the key)",
                )
        else:
            self.keyed_seen = True
            if event.key_id not in self.keys.keys:
                return ChainBreak(
                    event.seq,
                    event.pk,
                    BreakKind.UNKNOWN_KEY,
                    f"is signed with key {event.key_id!r}, which the key file does not hold "
                    "(forged, or the key was removed from the file)",
                )
        if not hmac.compare_digest(event.compute_hash(self.keys), event.hash) and not self._redacted(event):
            return ChainBreak(
                event.seq,
                event.pk,
                BreakKind.ALTERED,
                "content does not match its hash (altered, or re-hashed without the key)",
            )
        self.checked = expected
        self.prev_prev_hash = self.prev_hash
        self.prev_hash = event.hash
        self.last_id = event.pk
        return None

    def _redacted(self, event: AuditEvent) -> bool:
        """Whether a later redaction vouches for the event as it now stands (and for its hash)."""
        vouched = self.redactions.get(event.seq)
        if vouched is None:
            return False
        original_hash, digest, redaction_seq = vouched
        return (
            redaction_seq > event.seq
            and hmac.compare_digest(original_hash, event.hash)
            and hmac.compare_digest(digest, redacted_digest(event))
        )


def verify_chain(
    *,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    chunk_size: int = 5000,
    since_checkpoint: bool = False,
) -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many events were checked and the first broken link.

    ``progress``, if given, is called with the count so far every ``progress_every`` events.

    Every hash is checked under its key (``audit/keys.py``), and the log against
    the newest signed checkpoint (``audit/checkpoints.py``), if there is one: the
    event it names must have its hash, and the log must reach it. With
    ``since_checkpoint`` the walk starts at that checkpoint (the count returned
    then includes the events before it, vouched for by the checkpoint).

    Runs against a live log without locking it: events appended during the walk
    are walked too, before the end is compared with the chain head (which only
    ever grows, and moves in the same transaction as the event it points to).
    """
    keys = keyring()
    try:
        checkpoints = read_checkpoints(keys=keys)
    except CheckpointError as exc:
        return 0, ChainBreak(None, None, BreakKind.CHECKPOINT, str(exc))
    checkpoint = checkpoints[-1] if checkpoints else None
    walk = _Walk(
        keys,
        checkpoint if since_checkpoint else None,
        unkeyed_until=checkpoints[0].seq if checkpoints else None,
        redactions=_redactions(),
    )
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
            if (
                checkpoint is not None
                and event.seq == checkpoint.seq
                and event.hash != checkpoint.hash
            ):
                return walk.checked - 1, ChainBreak(
                    event.seq,
                    event.pk,
                    BreakKind.REWRITTEN,
                    f"does not have the hash that the {checkpoint} records (the log was "
                    "rewritten up to here)",
                )
            if progress is not None and walk.checked % progress_every == 0:
                progress(walk.checked)

        head = AuditChainHead.objects.filter(pk=1).first()
        appended = head is not None and head.seq > walk.checked
        if appended and AuditEvent.objects.filter(seq__gt=walk.checked).exists():
            continue  # appended while we walked: walk on
        recorded = checkpoint.seq if checkpoint is not None else 0
        if head is None:
            if walk.checked == 0 and recorded == 0:
                return 0, None  # a new installation: nothing written yet
            return walk.checked, ChainBreak(
                None,
                None,
                BreakKind.HEAD_MISSING,
                "the chain head row is missing (deleted)"
                + (f"; the {checkpoint} records #{recorded}" if recorded else ""),
            )
        if walk.checked < recorded:
            ends = f"ends at #{walk.checked}" if walk.checked else "is empty"
            return walk.checked, ChainBreak(
                walk.checked + 1,
                None,
                BreakKind.TRUNCATED,
                f"missing: the log {ends} but the {checkpoint} records #{recorded} "
                "(events deleted from the end, the head rewound)",
            )
        if head.seq > walk.checked:
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


def do_write_checkpoint(*, since_checkpoint: bool = True) -> Checkpoint:
    """Verify the log (from the newest checkpoint on, by default) and append a signed checkpoint of its head.

    A broken log gets no checkpoint: ``BrokenChain`` says where it breaks.
    The head is read after the walk: a checkpoint never vouches for events
    the walk has not checked, as the walk goes on until it reaches the head.
    """
    checked, broken = verify_chain(since_checkpoint=since_checkpoint)
    if broken is not None:
        raise BrokenChain(broken)
    event = AuditEvent.objects.filter(seq=checked).only("seq", "hash").first()
    return append_checkpoint(checked, event.hash if event else GENESIS_HASH)


class BrokenChain(Exception):
    def __init__(self, broken: ChainBreak) -> None:
        self.broken = broken
        super().__init__(str(broken))
