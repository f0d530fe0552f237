"""Requests, decisions, deliveries and oral disclosures: one transaction each, audited in it.

Every function checks the acting user's right through the policy
(``require``: 403 for a role that may not write disclosures) and which side
of the disclosure the user's agency is on: only the owner decides, only the
requester accepts or withdraws. The events:

- a request is a ``create`` of the disclosure, a withdrawal an ``update``;
- a decision (approval or refusal), a delivery and an oral disclosure are
  ``disclose`` events on the disclosure; approval, delivery and an oral
  disclosure also write a ``disclose`` event on the record itself, so that the
  record's own log shows to whom it was disclosed.

A child-concern report about a suspect under 18 carries the suspect's identity
with it (``do_disclose_with_concern_report``): a disclosure recorded as
delivered at once, under the duty to report, with the same events.

Audit details name kinds, ids, codes and field names, never a value.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, AgencyKind, Collaboration, User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.legal.case_numbers import normalise_case_number, validate_case_number
from samverkan.legal.models import LegalBasis, Offence
from samverkan.legal.provisions import Direction
from samverkan.legal.reference import DUTY_TO_REPORT_BASES
from samverkan.notices.actions import do_notify, members_who_can
from samverkan.notices.models import NoticeKind
from samverkan.operations.models import ChildConcernReport, Encounter
from samverkan.sharing.access import colleagues, readers_in
from samverkan.sharing.gate import Disclosable, entry
from samverkan.sharing.models import (
    DEFAULT_PERIOD,
    MAX_PERIOD,
    Disclosure,
    DisclosureStatus,
    Reach,
    RefusalKind,
)
from samverkan.sharing.resolve import Subject, candidates, facts_for, owner_record, stored_record
from samverkan.sharing.rules import refusals

logger = logging.getLogger(__name__)

# A clock a few minutes fast on a phone is not "the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
PURPOSE_MAX = 2000


def _agency(user: User) -> Agency:
    membership = user.membership
    if membership is None:
        raise PermissionDenied
    return membership.agency



def _registered(record_type: str) -> Disclosable[Any]:
    registered = entry(record_type)
    if registered is None:
        raise ValidationError({"record_type": _("Choose a kind of record from the list.")})
    return registered


def _clean_fields(
    registered: Disclosable[Any], fields: Iterable[str], *, within: Iterable[str] | None = None
) -> list[str]:
    chosen = set(fields)
    if not chosen:
        raise ValidationError({"fields": _("Choose at least one field.")}, code="required")
    unknown = chosen - registered.field_names
    if unknown:
        raise ValidationError(
            {
                "fields": _("These fields cannot be disclosed: %(names)s.")
                % {"names": ", ".join(sorted(unknown))}
            },
            code="invalid_choice",
        )
    if within is not None and not chosen <= set(within):
        raise ValidationError(
            {"fields": _("Only fields that were asked for can be granted.")}, code="not_requested"
        )
    # The declaration's order, so that the same grant always reads the same.
    return [f.name for f in registered.fields if f.name in chosen]


def _clean_text(value: str, field: str, message: str, max_length: int = PURPOSE_MAX) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: message}, code="required")
    if len(text) > max_length:
        raise ValidationError(
            {field: _("Keep it to %(max)d characters.") % {"max": max_length}}, code="max_length"
        )
    return text


def _shared_collaboration(a: Agency, b: Agency) -> Collaboration | None:
    return Collaboration.objects.filter(agencies=a).filter(agencies=b).order_by("pk").first()


def _lock(disclosure: Disclosure) -> Disclosure:
    return (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("owning_agency", "requesting_agency", "legal_basis", "offence")
        .get(pk=disclosure.pk)
    )


def _lock_for_step(
    disclosure: Disclosure, acting_user: User, *, side: str, allowed: str, refusal: str
) -> Disclosure:
    """The disclosure locked for one step of its life by one side of it.

    ``side`` is the agency that takes the step ("owning" or "requesting"): anyone else is
    refused outright. ``allowed`` names the disclosure's property that says whether the
    step can be taken in its present state; ``refusal`` is the message when it cannot,
    with ``%(status)s`` for that state.
    """
    require(acting_user, RecordType.DISCLOSURE, Action.UPDATE)
    locked = _lock(disclosure)
    if _agency(acting_user).pk != getattr(locked, f"{side}_agency_id"):
        raise PermissionDenied
    if not getattr(locked, allowed):
        raise ValidationError(refusal % {"status": locked.get_status_display().lower()})
    return locked


def _grant_detail(d: Disclosure, what: str) -> str:
    basis = d.legal_basis.code if d.legal_basis else "-"
    return (
        f"disclosure {d.pk} {what}; {d.record_type} {d.record_id}; basis {basis}; "
        f"fields {','.join(d.fields_granted)}; "
        f"from {d.owning_agency.code} to {d.requesting_agency.code}"
    )


def _ids(users: Iterable[User]) -> str:
    return ",".join(str(pk) for pk in sorted({u.pk for u in users})) or "-"


def _reach_detail(d: Disclosure) -> str:
    """Who the grant reaches and until when, for the audit detail (ids and codes, no names)."""
    if d.reach == Reach.PERSONS:
        who = f"persons {_ids(d.recipients.all())}"
    elif d.reach == Reach.UNIT:
        who = "unit of the requester"
    else:
        who = "agency"
    until = d.valid_until.isoformat() if d.valid_until else "-"
    return f"reaches {who}; until {until}"


def _chosen_readers(
    candidates: Any, chosen: Iterable[User], field: str, message: str
) -> list[User]:
    """``chosen`` if every one of them is among ``candidates``, else a clear error."""
    people = list({u.pk: u for u in chosen}.values())
    allowed = set(candidates.filter(pk__in=[u.pk for u in people]).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in people):
        raise ValidationError({field: message}, code="invalid_choice")
    return people


def _period(valid_until: dt.date | None, today: dt.date) -> dt.date:
    """The last day the grant holds: the owner's choice within the maximum, else the default."""
    if valid_until is None:
        return today + DEFAULT_PERIOD
    if valid_until < today:
        raise ValidationError(
            {"valid_until": _("The last day cannot be in the past.")}, code="past"
        )
    if valid_until > today + MAX_PERIOD:
        raise ValidationError(
            {
                "valid_until": _("A disclosure can be granted for at most %(days)d days.")
                % {"days": MAX_PERIOD.days}
            },
            code="too_long",
        )
    return valid_until


def _audit_delivery(acting_user: User, disclosure: Disclosure, record_type: str, record_id: Any, detail: str) -> None:
    """A disclosure approved or delivered is logged twice: on the disclosure, and on the record it opens."""
    audit_record(acting_user, AuditAction.DISCLOSE, RecordType.DISCLOSURE, disclosure.pk, detail, disclosure.purpose)
    audit_record(acting_user, AuditAction.DISCLOSE, record_type, record_id, detail, disclosure.purpose)


def _offence_for(registered: Disclosable[Any], offence: Offence | None) -> Offence | None:
    """The offence a disclosure is for: it only counts, and is only kept, toward the police."""
    return offence if registered.direction == Direction.TO_POLICE else None


def _check_basis(
    basis: LegalBasis | None,
    registered: Disclosable[Any],
    record: Any,
    *,
    encounter_id: int | None,
    offence: Offence | None,
    at: dt.datetime,
) -> None:
    if basis is None:
        raise ValidationError({"legal_basis": _("Choose the legal basis.")}, code="required")
    facts = facts_for(
        registered.record_type, record, encounter_id=encounter_id, offence=offence, at=at
    )
    reasons = refusals(basis.rule(), facts)
    if reasons:
        raise ValidationError({"legal_basis": reasons}, code="basis")


# --- Requests ---------------------------------------------------------------------------


@transaction.atomic
def do_request_disclosure(
    *,
    owning_agency: Agency,
    record_type: str,
    fields: Iterable[str],
    purpose: str,
    acting_user: User,
    encounter: Encounter | None = None,
    case_number: str = "",
    offence: Offence | None = None,
    colleagues_named: Iterable[User] = (),
) -> Disclosure:
    """Ask the other agency for fields of a record named by an encounter or a case number.

    Nothing is looked up in the owner's records: whether the record exists is
    for the owner to answer. The disclosure is asked for the requester and the
    colleagues they name (of their own agency, working the same case): no one
    else of the agency will read it (need-to-know).
    """
    require(acting_user, RecordType.DISCLOSURE, Action.CREATE)
    agency = _agency(acting_user)
    registered = _registered(record_type)
    if registered.owner_kind == agency.kind:
        raise ValidationError(
            {"record_type": _("Your agency holds records of this kind itself; nothing to request.")}
        )
    if owning_agency.kind != registered.owner_kind:
        raise ValidationError(
            {"owning_agency": _("This agency does not hold records of this kind.")}
        )
    case_number = normalise_case_number(case_number)
    if (encounter is None) == (not case_number):
        raise ValidationError(
            _("Name the record either by an encounter or by a case number, not both.")
            if encounter is not None
            else _("Name the record by an encounter or by a case number.")
        )
    if encounter is not None:
        if not Encounter.objects.visible_to(acting_user).filter(pk=encounter.pk).exists():
            raise ValidationError({"encounter": _("Choose an encounter from the list.")})
        collaboration = encounter.collaboration
        if not collaboration.agencies.filter(pk=owning_agency.pk).exists():
            raise ValidationError(
                {"owning_agency": _("This agency is not part of the encounter's collaboration.")}
            )
    else:
        if not registered.by_case_number:
            raise ValidationError(
                {"case_number": _("Records of this kind can only be named by an encounter.")}
            )
        try:
            validate_case_number(case_number)
        except ValidationError as exc:
            raise ValidationError({"case_number": exc.messages}) from None
        shared = _shared_collaboration(agency, owning_agency)
        if shared is None:
            raise ValidationError(
                {"owning_agency": _("Your agency has no collaboration with this agency.")}
            )
        collaboration = shared
    disclosure = Disclosure(
        collaboration=collaboration,
        requesting_agency=agency,
        owning_agency=owning_agency,
        record_type=registered.record_type,
        encounter=encounter,
        case_number=case_number,
        fields_requested=_clean_fields(registered, fields),
        purpose=_clean_text(purpose, "purpose", _("Say what the information is needed for.")),
        offence=_offence_for(registered, offence),
        requested_by=acting_user,
    )
    named_colleagues = _chosen_readers(
        colleagues(acting_user, registered.record_type),
        colleagues_named,
        "colleagues",
        _("Choose colleagues from the list."),
    )
    disclosure.save(force_insert=True)
    disclosure.recipients.set([acting_user, *named_colleagues])
    named = f"encounter {encounter.pk}" if encounter is not None else "case number"
    audit_record(
        acting_user,
        AuditAction.CREATE,
        RecordType.DISCLOSURE,
        disclosure.pk,
        f"request: {record_type}; named by {named}; fields {','.join(disclosure.fields_requested)}; "
        f"for persons {_ids([acting_user, *named_colleagues])}; to {owning_agency.code}",
        purpose=disclosure.purpose,
    )
    # Those of the owning agency who answer requests hear of it (a link only).
    do_notify(
        members_who_can(owning_agency, RecordType.DISCLOSURE, Action.UPDATE),
        NoticeKind.DISCLOSURE_REQUEST,
        reverse("sharing:detail", args=[disclosure.pk]),
        key=f"disclosure:{disclosure.pk}:request",
    )
    return disclosure


def _notify_answer(disclosure: Disclosure) -> None:
    """The requester hears that their request was answered (approved or refused)."""
    if disclosure.requested_by_id is None:
        return
    do_notify(
        [disclosure.requested_by_id],
        NoticeKind.DISCLOSURE_ANSWER,
        reverse("sharing:detail", args=[disclosure.pk]),
        key=f"disclosure:{disclosure.pk}:answer",
    )


# --- Decisions --------------------------------------------------------------------------


@transaction.atomic
def do_decide_disclosure(
    disclosure: Disclosure,
    *,
    approve: bool,
    acting_user: User,
    record_id: int | None = None,
    legal_basis: LegalBasis | None = None,
    fields: Iterable[str] = (),
    assessment: str = "",
    offence: Offence | None = None,
    refusal_kind: str = "",
    reason: str = "",
    recipients: Iterable[User] | None = None,
    reach: str = Reach.PERSONS,
    valid_until: dt.date | None = None,
) -> Disclosure:
    """The owner's secrecy assessment: approve one record's fields on a basis, or refuse.

    Approval also says who of the requesting agency the grant reaches (need-to-know):
    the requester and those of the named colleagues the owner keeps (``recipients``;
    ``None`` keeps them all), or the requester's unit; and until which day
    (``valid_until``: by default ``DEFAULT_PERIOD``, at most ``MAX_PERIOD``).
    Approval grants nothing yet: the fields become visible when the requester accepts.
    """
    locked = _lock_for_step(
        disclosure,
        acting_user,
        side="owning",
        allowed="can_be_decided",
        refusal=_("This request is %(status)s and can no longer be decided."),
    )
    now = timezone.now()
    if not approve:
        if refusal_kind not in RefusalKind.values:
            raise ValidationError({"refusal_kind": _("Choose why the request is refused.")})
        reason = reason.strip()
        if refusal_kind != RefusalKind.NO_RECORD and not reason:
            raise ValidationError({"reason": _("Explain the refusal to the requester.")})
        locked.status = DisclosureStatus.REFUSED
        locked.refusal_kind = refusal_kind
        locked.refusal_reason = reason[:2000]
        locked.decided_by = acting_user
        locked.decided_at = now
        locked.save(
            update_fields=["status", "refusal_kind", "refusal_reason", "decided_by", "decided_at"]
        )
        audit_record(
            acting_user,
            AuditAction.DISCLOSE,
            RecordType.DISCLOSURE,
            locked.pk,
            f"refused: {refusal_kind}; to {locked.requesting_agency.code}",
            purpose=locked.purpose,
        )
        _notify_answer(locked)
        return locked

    registered = _registered(locked.record_type)
    subject = Subject(locked.record_type, locked.encounter_id, locked.case_number)
    matches = {r.pk: r for r in candidates(acting_user, locked.owning_agency, subject)}
    record = matches.get(record_id) if record_id is not None else None
    if record is None:
        raise ValidationError(
            {"record": _("Choose one of the records the request names.")}
            if matches
            else _(
                "No record of your agency matches the request: refuse it as 'no record to disclose'."
            )
        )
    granted = _clean_fields(registered, fields, within=locked.fields_requested)
    offence = _offence_for(registered, locked.offence if offence is None else offence)
    _check_basis(
        legal_basis,
        registered,
        record,
        encounter_id=locked.encounter_id,
        offence=offence,
        at=now,
    )
    locked.assessment = _clean_text(
        assessment, "assessment", _("Write down the secrecy assessment."), max_length=4000
    )
    asked = list(locked.recipients.all())
    kept = asked
    if recipients is not None:
        kept = _chosen_readers(
            User.objects.filter(pk__in=[u.pk for u in asked]),
            recipients,
            "recipients",
            _("Only persons named in the request can be granted the disclosure."),
        )
        requester = locked.requested_by
        if requester is not None and requester.pk not in {u.pk for u in kept}:
            kept.append(requester)  # the one who asked is always among those who read it
    if reach not in (Reach.PERSONS, Reach.UNIT):
        raise ValidationError({"reach": _("Choose who the disclosure reaches.")}, code="invalid_choice")
    unit = ""
    if reach == Reach.UNIT:
        membership = locked.requested_by.membership if locked.requested_by else None
        unit = membership.unit if membership is not None else ""
        if not unit:
            raise ValidationError(
                {"reach": _("The requester belongs to no unit: grant it to the named persons.")},
                code="no_unit",
            )
    locked.valid_until = _period(valid_until, timezone.localdate(now))
    locked.reach = reach
    locked.granted_unit = unit
    locked.status = DisclosureStatus.APPROVED
    locked.record_id = record.pk
    locked.fields_granted = granted
    locked.legal_basis = legal_basis
    locked.offence = offence
    locked.decided_by = acting_user
    locked.decided_at = now
    locked.save(
        update_fields=[
            "assessment",
            "status",
            "record_id",
            "fields_granted",
            "legal_basis",
            "offence",
            "decided_by",
            "decided_at",
            "valid_until",
            "reach",
            "granted_unit",
        ]
    )
    locked.recipients.set(kept)
    detail = f"{_grant_detail(locked, 'approved')}; {_reach_detail(locked)}; asked for {_ids(asked)}"
    _audit_delivery(acting_user, locked, locked.record_type, record.pk, detail)
    _notify_answer(locked)
    return locked


# --- The requester's answer -------------------------------------------------------------


@transaction.atomic
def do_accept_disclosure(disclosure: Disclosure, *, acting_user: User) -> Disclosure:
    """The requester takes delivery: from now on the granted fields are visible to its agency.

    The basis is checked again as of now (a consent may have been withdrawn since
    the decision); the requester is told only that it no longer holds.
    """
    locked = _lock_for_step(
        disclosure,
        acting_user,
        side="requesting",
        allowed="can_be_accepted",
        refusal=_("This disclosure is %(status)s and cannot be accepted."),
    )
    registered = _registered(locked.record_type)
    record = stored_record(locked.record_type, locked.owning_agency, locked.record_id)
    now = timezone.now()
    gone = _(
        "The disclosure can no longer be delivered: its legal basis no longer holds. "
        "Ask the other agency for a new decision."
    )
    if record is None:
        raise ValidationError(gone)
    if locked.valid_until is None or locked.valid_until < timezone.localdate(now):
        raise ValidationError(
            _("The period the disclosure was granted for has ended. Ask for a new decision.")
        )
    try:
        _check_basis(
            locked.legal_basis,
            registered,
            record,
            encounter_id=locked.encounter_id,
            offence=locked.offence,
            at=now,
        )
    except ValidationError:
        raise ValidationError(gone) from None
    locked.status = DisclosureStatus.ACCEPTED
    locked.accepted_by = acting_user
    locked.accepted_at = now
    locked.save(update_fields=["status", "accepted_by", "accepted_at"])
    detail = f"{_grant_detail(locked, 'delivered')}; {_reach_detail(locked)}"
    _audit_delivery(acting_user, locked, locked.record_type, locked.record_id, detail)
    return locked


@transaction.atomic
def do_withdraw_disclosure(disclosure: Disclosure, *, acting_user: User) -> Disclosure:
    """The requester no longer wants it (before delivery)."""
    locked = _lock_for_step(
        disclosure,
        acting_user,
        side="requesting",
        allowed="can_be_withdrawn",
        refusal=_("This disclosure is %(status)s and cannot be withdrawn."),
    )
    was = locked.status
    locked.status = DisclosureStatus.WITHDRAWN
    locked.withdrawn_by = acting_user
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.DISCLOSURE,
        locked.pk,
        f"withdrawn (was {was})",
    )
    return locked


# --- Oral disclosures -------------------------------------------------------------------


@transaction.atomic
def do_record_oral_disclosure(
    *,
    requesting_agency: Agency,
    record_type: str,
    record_id: int,
    fields: Iterable[str],
    legal_basis: LegalBasis | None,
    assessment: str,
    purpose: str,
    occurred_at: dt.datetime,
    acting_user: User,
    encounter: Encounter | None = None,
    offence: Offence | None = None,
    recipient_name: str = "",
    recipients: Iterable[User] = (),
    valid_until: dt.date | None = None,
) -> Disclosure:
    """Record afterwards what the acting user's agency disclosed orally in the field.

    Approved and delivered at once: the basis is checked as of when it was said.
    The persons told (``recipients``, users of the requesting agency) read it in
    the system too, until ``valid_until``; nobody else of their agency does.
    """
    require(acting_user, RecordType.DISCLOSURE, Action.CREATE)
    agency = _agency(acting_user)
    registered = _registered(record_type)
    if registered.owner_kind != agency.kind:
        raise ValidationError(
            {"record_type": _("Only the agency that holds a record can disclose it.")}
        )
    if requesting_agency.kind == agency.kind:
        raise ValidationError(
            {"requesting_agency": _("Choose the other agency, the one that was told.")}
        )
    collaboration = _shared_collaboration(agency, requesting_agency)
    if collaboration is None:
        raise ValidationError(
            {"requesting_agency": _("Your agency has no collaboration with this agency.")}
        )
    record = owner_record(acting_user, record_type, agency, record_id)
    if record is None:
        raise ValidationError({"record": _("Choose one of your agency's records.")})
    if (
        encounter is not None
        and not Encounter.objects.visible_to(acting_user).filter(pk=encounter.pk).exists()
    ):
        encounter = None
    now = timezone.now()
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationError({"occurred_at": _("The time cannot be in the future.")})
    granted = _clean_fields(registered, fields)
    told = _chosen_readers(
        readers_in(requesting_agency, registered.record_type),
        recipients,
        "recipients",
        _("Choose the persons told from the list."),
    )
    if not told:
        raise ValidationError({"recipients": _("Choose who was told.")}, code="required")
    offence = _offence_for(registered, offence)
    _check_basis(
        legal_basis,
        registered,
        record,
        encounter_id=encounter.pk if encounter is not None else None,
        offence=offence,
        at=occurred_at,
    )
    until = _period(valid_until, timezone.localdate(now))
    disclosure = Disclosure(
        collaboration=collaboration,
        requesting_agency=requesting_agency,
        owning_agency=agency,
        record_type=registered.record_type,
        encounter=encounter,
        record_id=record.pk,
        fields_requested=granted,
        fields_granted=granted,
        purpose=_clean_text(purpose, "purpose", _("Say what the information was needed for.")),
        offence=offence,
        status=DisclosureStatus.ACCEPTED,
        requested_at=occurred_at,
        legal_basis=legal_basis,
        assessment=_clean_text(
            assessment, "assessment", _("Write down the secrecy assessment."), max_length=4000
        ),
        decided_by=acting_user,
        decided_at=now,
        accepted_at=now,
        made_orally=True,
        occurred_at=occurred_at,
        recipient_name=recipient_name.strip()[:200],
        reach=Reach.PERSONS,
        valid_until=until,
    )
    disclosure.save(force_insert=True)
    disclosure.recipients.set(told)
    detail = _grant_detail(
        disclosure, f"made orally at {occurred_at.isoformat(timespec='minutes')}"
    ) + f"; {_reach_detail(disclosure)}"
    _audit_delivery(acting_user, disclosure, record_type, record.pk, detail)
    return disclosure


# --- Identity handed over with a child-concern report -----------------------------------

def duty_to_report_basis(on: dt.date) -> LegalBasis | None:
    """The basis of the duty to report concern for a child in force on ``on``, if any."""
    return (
        LegalBasis.objects.filter(code__in=DUTY_TO_REPORT_BASES)
        .for_direction(Direction.TO_SOCIAL_SERVICES)
        .valid_on(on)
        .order_by(F("valid_from").desc(nulls_last=True), "code")
        .first()
    )


@transaction.atomic
def do_disclose_with_concern_report(
    concern_report: ChildConcernReport,
    *,
    record_type: str,
    record_id: int,
    fields: Iterable[str],
    acting_user: User,
) -> Disclosure | None:
    """Hand the identity of the child a concern report is about to its recipient, with the report.

    The duty to report concern for a child (SoL 14:1, from 2025-07-01 the new
    Social Services Act) obliges the reporter to give social services what they
    need to act: who the child is. Recorded as a disclosure delivered at once,
    on the basis valid today and checked by the same rules as any other, of
    ``fields`` only (the owning app says which identify the child), named by
    the concern report.

    Returns ``None``, writing nothing and logging why, when the concern report's
    recipient is not a social-services agency of the crime report's
    collaboration or no basis allows the disclosure today: the concern report
    stands either way. Repeated, it returns the disclosure already made.
    """
    require(acting_user, RecordType.DISCLOSURE, Action.CREATE)
    agency = _agency(acting_user)
    registered = _registered(record_type)
    record = owner_record(acting_user, record_type, agency, record_id)
    if (
        registered.owner_kind != agency.kind
        or record is None
        or concern_report.reporter_agency_id != agency.pk
    ):
        raise PermissionDenied
    existing = Disclosure.objects.filter(
        concern_report=concern_report, record_type=record_type, record_id=record.pk
    ).first()
    if existing is not None:
        return existing
    recipient = concern_report.addressed_to
    collaboration = concern_report.collaboration
    if (
        recipient.kind != AgencyKind.SOCIAL_SERVICES
        or not collaboration.agencies.filter(pk=recipient.pk).exists()
    ):
        logger.warning(
            "child-concern report %s: %s %s not disclosed, "
            "no social-services agency of collaboration %s receives it",
            concern_report.pk,
            record_type,
            record.pk,
            collaboration.code,
        )
        return None
    now = timezone.now()
    basis = duty_to_report_basis(timezone.localdate(now))
    try:
        _check_basis(basis, registered, record, encounter_id=None, offence=None, at=now)
    except ValidationError as exc:
        logger.warning(
            "child-concern report %s: %s %s not disclosed, no legal basis allows it (%s)",
            concern_report.pk,
            record_type,
            record.pk,
            " ".join(exc.messages),
        )
        return None
    assert basis is not None  # _check_basis refuses a missing basis
    # A record of the authority: in the official language, whatever the user's interface.
    with translation.override(settings.LANGUAGE_CODE):
        purpose = _(
            "Child-concern report: social services need to know who the child is to assess "
            "the child's need of protection and support."
        )
        assessment = _(
            "The information is handed over together with the child-concern report under the "
            "duty to report concern for a child (%(basis)s). Social services cannot act on the "
            "report without knowing who the child is; nothing about the offence is disclosed."
        ) % {"basis": basis.provision}
    granted = [f for f in fields if f in registered.field_names]
    disclosure = Disclosure(
        collaboration=concern_report.collaboration,
        requesting_agency=recipient,
        owning_agency=agency,
        record_type=registered.record_type,
        record_id=record.pk,
        concern_report=concern_report,
        fields_requested=granted,
        fields_granted=granted,
        purpose=purpose,
        status=DisclosureStatus.ACCEPTED,
        requested_at=now,
        legal_basis=basis,
        assessment=assessment,
        decided_by=acting_user,
        decided_at=now,
        accepted_at=now,
        made_orally=False,
        # The report is addressed to the agency: whoever of it handles the report must know
        # who the child is, for as long as a grant can last.
        reach=Reach.AGENCY,
        valid_until=timezone.localdate(now) + MAX_PERIOD,
    )
    disclosure.save(force_insert=True)
    detail = _grant_detail(disclosure, f"handed over with child-concern report {concern_report.pk}")
    _audit_delivery(acting_user, disclosure, record_type, record.pk, detail)
    return disclosure
