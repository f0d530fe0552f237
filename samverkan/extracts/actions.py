"""Register extracts' writes: gather a draft, withhold or release a part, approve, deliver.

Each is one transaction with its audit event. The audit log names the extract
by its id, never the person's identity number (the log is read by auditors,
the number is in the extract).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.extracts.gather import gather
from samverkan.extracts.models import Extract, ExtractPart, ExtractStatus, SubjectKind
from samverkan.extracts.provisions import provisions_for

RT = RecordType.REGISTER_EXTRACT


def _own(user: User, extract: Extract, action: Action) -> Agency:
    require(user, RT, action)
    agency = user.agency
    if agency is None or extract.agency_id != agency.pk:
        raise PermissionDenied
    return agency


def _draft(extract: Extract) -> None:
    if not extract.is_draft:
        raise ValidationError(_("The extract is approved and can no longer be changed."), code="approved")


@transaction.atomic
def do_create_extract(
    *,
    subject_kind: str,
    subject_identifier: str,
    subject_issuer: str = "",
    received_on: dt.date,
    acting_user: User,
) -> Extract:
    """Gather what the user's agency holds about the person into a new draft."""
    require(acting_user, RT, Action.CREATE)
    agency = acting_user.agency
    if agency is None:
        raise PermissionDenied
    if subject_kind not in SubjectKind.values:
        raise ValidationError({"kind": _("Choose the kind of number.")}, code="invalid_choice")
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date cannot be in the future.")}, code="future")
    extract = Extract.objects.create(
        agency=agency,
        subject_kind=subject_kind,
        subject_identifier=subject_identifier,
        subject_issuer=subject_issuer if subject_kind == SubjectKind.RESERVE else "",
        received_on=received_on,
        created_by=acting_user,
    )
    found = gather(agency, subject_kind, subject_identifier, subject_issuer)
    ExtractPart.objects.bulk_create(
        ExtractPart(
            extract=extract,
            position=i,
            section=p.section,
            record_type=p.record_type,
            record_id=p.record_id,
            heading=p.heading[:300],
            fields=p.fields,
        )
        for i, p in enumerate(found.parts, start=1)
    )
    records = sum(len(ids) for ids in found.refs.values())
    audit_record(
        acting_user, AuditAction.CREATE, RT, extract,
        f"gathered: {len(found.parts)} parts from {records} records",
    )
    return extract


@transaction.atomic
def do_withhold_part(part: ExtractPart, *, provision: str, reason: str, acting_user: User) -> ExtractPart:
    """Withhold a part under a secrecy provision of the agency's own, with a reason."""
    extract = Extract.objects.select_for_update().get(pk=part.extract_id)
    agency = _own(acting_user, extract, Action.UPDATE)
    _draft(extract)
    if provision not in provisions_for(agency.kind):
        raise ValidationError({"provision": _("Choose a secrecy provision.")}, code="invalid_choice")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the part is withheld.")}, code="required")
    part.withheld = True
    part.provision = provision
    part.reason = reason
    part.withheld_by = acting_user
    part.withheld_at = timezone.now()
    part.save(update_fields=["withheld", "provision", "reason", "withheld_by", "withheld_at"])
    audit_record(acting_user, AuditAction.UPDATE, RT, extract, f"part {part.position} withheld: {provision}")
    return part


@transaction.atomic
def do_release_part(part: ExtractPart, *, acting_user: User) -> ExtractPart:
    """Put a withheld part back into the extract."""
    extract = Extract.objects.select_for_update().get(pk=part.extract_id)
    _own(acting_user, extract, Action.UPDATE)
    _draft(extract)
    part.withheld = False
    part.provision = ""
    part.reason = ""
    part.withheld_by = None
    part.withheld_at = None
    part.save(update_fields=["withheld", "provision", "reason", "withheld_by", "withheld_at"])
    audit_record(acting_user, AuditAction.UPDATE, RT, extract, f"part {part.position} released")
    return part


@transaction.atomic
def do_approve_extract(extract: Extract, *, acting_user: User) -> Extract:
    """Freeze the reviewed extract for delivery."""
    extract = Extract.objects.select_for_update().get(pk=extract.pk)
    _own(acting_user, extract, Action.UPDATE)
    _draft(extract)
    extract.status = ExtractStatus.APPROVED
    extract.approved_by = acting_user
    extract.approved_at = timezone.now()
    extract.save(update_fields=["status", "approved_by", "approved_at"])
    withheld = extract.parts.filter(withheld=True).count()
    audit_record(
        acting_user, AuditAction.UPDATE, RT, extract,
        f"approved: {extract.parts.count()} parts, {withheld} withheld",
    )
    return extract


@transaction.atomic
def do_deliver_extract(extract: Extract, *, fmt: str, acting_user: User) -> Extract:
    """Record that the approved extract was produced for delivery (as a PDF or JSON)."""
    _own(acting_user, extract, Action.EXPORT)
    if extract.is_draft:
        raise ValidationError(_("Approve the extract before delivering it."), code="draft")
    audit_record(acting_user, AuditAction.EXPORT, RT, extract, f"delivered as {fmt}")
    return extract
