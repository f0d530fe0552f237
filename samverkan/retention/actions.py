"""Placing and lifting a legal hold, and running the purge: one transaction each, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.jobs.actions import do_start_job
from samverkan.jobs.models import Job
from samverkan.retention.holdable import HOLDABLE
from samverkan.retention.jobs import DRY_RUN, PURGE
from samverkan.retention.models import LegalHold
from samverkan.retention.purge import Result, purge


def holdable_record(user: Any, record_type: str, pk: int) -> Any:
    """The record of the user's own agency that the user may read, or 404."""
    holdable = HOLDABLE.get(record_type)
    if holdable is None or user_scope(user, RecordType(record_type), Action.VIEW) is not Scope.OWN_AGENCY:
        raise Http404
    record = holdable.owned_by(user.agency).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def do_place_hold(*, record_type: str, record_id: int, reason: str, acting_user: Any) -> LegalHold:
    """Keep the record (and what it needs) through every purge until the hold is lifted."""
    require(acting_user, RecordType.LEGAL_HOLD, Action.CREATE)
    holdable_record(acting_user, record_type, record_id)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the record must be kept.")}, code="required")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                agency=acting_user.agency,
                record_type=record_type,
                record_id=record_id,
                reason=reason[:500],
                placed_by=acting_user,
            )
            audit_record(
                acting_user, AuditAction.CREATE, RecordType.LEGAL_HOLD, hold, detail=f"legal hold on {record_type}:{record_id}"
            )
    except IntegrityError:
        raise ValidationError({"reason": _("The record is already under a legal hold.")}, code="held") from None
    return hold


def do_lift_hold(hold: LegalHold, *, reason: str, acting_user: Any) -> LegalHold:
    require(acting_user, RecordType.LEGAL_HOLD, Action.UPDATE)
    if hold.agency_id != acting_user.agency.pk:
        raise PermissionDenied
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the hold is lifted.")}, code="required")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise ValidationError(_("The hold was already lifted."), code="lifted")
        hold.lifted_at = timezone.now()
        hold.lifted_by = acting_user
        hold.lift_reason = reason[:500]
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(
            acting_user,
            AuditAction.UPDATE,
            RecordType.LEGAL_HOLD,
            hold,
            detail=f"legal hold lifted on {hold.record_type}:{hold.record_id}",
        )
    return hold


def do_purge_expired(*, as_of: dt.date, dry_run: bool = False, agency: Any = None, acting_user: Any = None, progress: Any = None) -> Result:
    """Purge (or list) every record past its retention rule on ``as_of``; see ``retention.purge``."""
    return purge(as_of, dry_run=dry_run, agency=agency, user=acting_user, progress=progress)


def do_start_purge(*, dry_run: bool, acting_user: Any) -> Job:
    """Start a dry run or the purge of the user's own agency's records, as of today, as a job.

    Only today: a purge as of a later day would purge what the rules still keep. The job's
    page shows the progress and, per rule, what went (or would go).
    """
    require(acting_user, RecordType.RETENTION_RULE, Action.UPDATE)
    if acting_user.agency is None:
        raise PermissionDenied
    as_of = timezone.localdate()
    with transaction.atomic():
        job = do_start_job(DRY_RUN if dry_run else PURGE, acting_user=acting_user, params={"as_of": as_of.isoformat()})
        audit_record(
            acting_user,
            AuditAction.UPDATE,
            RecordType.RETENTION_RULE,
            f"job:{job.pk}",
            detail=f"{'dry run' if dry_run else 'purge'} of {acting_user.agency.code} as of {as_of.isoformat()} started",
        )
    return job
