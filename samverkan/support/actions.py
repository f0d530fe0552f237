"""Writes to social services' records: one transaction each, audited in it.

Every function checks the acting user's right through the policy
(``require``) and that the record belongs to the user's own agency, even
though the views have already fetched it through ``visible_to``: the
actions are the last wall, and the API will call them too.

Audit details name kinds and ids, never a number, a name or a note.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, User, withdraw_once
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.lib.age import presumed_minor
from samverkan.operations.models import ChildConcernReport, ConcernSubject, Encounter, EncounterRole
from samverkan.support.identifiers import CleanIdentifier, clean_identifier
from samverkan.support.models import (
    MAX_AGE,
    NOT_SUPPORT,
    AgeAssessment,
    AgeBasis,
    Client,
    ClientEncounter,
    ClientIdentifier,
    ConcernClientLink,
    ConcernDecision,
    ConcernHandling,
    ConcernStatus,
    Consent,
    ConsentGiver,
    ConsentScope,
    IdentifierKind,
    Referral,
    ReferralStatus,
    ServedGroup,
    SupportAction,
    SupportActionKind,
    SupportUnit,
    UnidentifiedEncounter,
    concern_reports_handled_by,
    established_band,
    open_concern_reports,
)

# A clock a few minutes fast on a phone is not "the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


class DuplicateIdentifier(ValidationError):
    """The number already belongs to another client of the agency; ``client`` is that one."""

    def __init__(self, client: Client) -> None:
        self.client = client
        super().__init__(
            {"value": _("This number already belongs to another client.")}, code="duplicate"
        )



def _own_agency(user: User) -> Agency:
    membership = user.membership
    if membership is None:
        raise PermissionDenied
    return membership.agency


def _require_own_client(user: User, client: Client, record: RecordType, action: Action) -> Agency:
    """The user's agency, after checking the right and that the client belongs to it."""
    require(user, record, action)
    agency = _own_agency(user)
    if client.agency_id != agency.pk:
        raise PermissionDenied
    return agency


def _not_in_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")}, code="future")


def _moment(
    value: dt.datetime | None, field: str, *, not_before: dt.datetime | None
) -> dt.datetime:
    now = timezone.now()
    moment = value or now
    if moment > now + CLOCK_SKEW:
        raise ValidationError({field: _("The time cannot be in the future.")}, code="future")
    if not_before is not None and moment < not_before:
        # The forms give a time to the minute: one in the previous step's own minute
        # (a report assessed as soon as it came in) is that step's time, not before it.
        if moment >= not_before.replace(second=0, microsecond=0):
            return not_before
        raise ValidationError(
            {
                field: _("The time cannot be before the previous step (%(time)s).")
                % {"time": f"{timezone.localtime(not_before):%Y-%m-%d %H:%M}"}
            },
            code="too_early",
        )
    return moment


# --- Clients -----------------------------------------------------------------------


def _client_with(agency: Agency, ident: CleanIdentifier) -> Client | None:
    row = (
        ClientIdentifier.objects.select_related("client")
        .filter(agency=agency, kind=ident.kind, issuer=ident.issuer, value=ident.value)
        .first()
    )
    return row.client if row else None


def _check_age_range(min_years: int, max_years: int, field: str = "min_years") -> None:
    if not 0 <= min_years <= MAX_AGE or not 0 <= max_years <= MAX_AGE:
        raise ValidationError(
            {field: _("An age must be between 0 and %(max)d.") % {"max": MAX_AGE}}, code="range"
        )
    if min_years > max_years:
        raise ValidationError(
            {"max_years": _("The highest age cannot be lower than the lowest.")}, code="range"
        )



def _new_identifier(client: Client, agency: Agency, ident: Any, acting_user: User) -> ClientIdentifier:
    """The identifier row; an IntegrityError if the agency already has the number."""
    return ClientIdentifier.objects.create(
        client=client,
        agency=agency,
        kind=ident.kind,
        value=ident.value,
        issuer=ident.issuer,
        birth_date=ident.birth_date,
        added_by=acting_user,
    )

@transaction.atomic
def do_create_client(
    *,
    pseudonym: str,
    acting_user: User,
    identifier_kind: str = IdentifierKind.NONE,
    identifier_value: str = "",
    identifier_issuer: str = "",
    stated_age: int | None = None,
    language: str = "",
    contact: str = "",
    protected_identity: bool = False,
) -> tuple[Client, bool]:
    """Create a client, or find the one who already has this identity number.

    Returns (client, created). Nothing is written when the client is found again.
    """
    require(acting_user, RecordType.CLIENT, Action.CREATE)
    agency = _own_agency(acting_user)
    today = timezone.localdate()
    ident = clean_identifier(identifier_kind, identifier_value, identifier_issuer, today=today)
    if ident.kind != IdentifierKind.NONE:
        existing = _client_with(agency, ident)
        if existing is not None:
            return existing, False
    if stated_age is not None:
        _check_age_range(stated_age, stated_age, "stated_age")
    client = Client(
        agency=agency,
        pseudonym=pseudonym.strip(),
        language=language.strip(),
        contact=contact.strip(),
        protected_identity=protected_identity,
        created_by=acting_user,
    )
    client.pseudonym_key = client.compute_pseudonym_key()
    client.full_clean(exclude=["agency", "created_by"])
    try:
        with transaction.atomic():
            client.save(force_insert=True)
            _new_identifier(client, agency, ident, acting_user)
    except IntegrityError:
        # Someone registered the same number a moment ago.
        existing = _client_with(agency, ident)
        if existing is None:
            raise
        return existing, False
    detail = f"identifier: {ident.kind}"
    if stated_age is not None:
        AgeAssessment.objects.create(
            client=client,
            min_years=stated_age,
            max_years=stated_age,
            basis=AgeBasis.STATED,
            assessed_on=today,
            assessed_by=acting_user,
        )
        detail += "; stated age"
    audit_record(acting_user, AuditAction.CREATE, RecordType.CLIENT, client.pk, detail)
    return client, True


@transaction.atomic
def do_update_client(
    client: Client,
    *,
    pseudonym: str,
    language: str,
    contact: str,
    protected_identity: bool,
    acting_user: User,
) -> Client:
    _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    client = Client.objects.select_for_update().get(pk=client.pk)
    new = {
        "pseudonym": pseudonym.strip(),
        "language": language.strip(),
        "contact": contact.strip(),
        "protected_identity": protected_identity,
    }
    changed = [name for name, value in new.items() if getattr(client, name) != value]
    if not changed:
        return client
    for name in changed:
        setattr(client, name, new[name])
    client.pseudonym_key = client.compute_pseudonym_key()
    client.full_clean(exclude=["agency", "created_by"])
    client.save(update_fields=[*changed, "pseudonym_key"])
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CLIENT,
        client.pk,
        "changed: " + ", ".join(changed),
    )
    return client


@transaction.atomic
def do_add_identifier(
    client: Client, *, kind: str, value: str, issuer: str = "", acting_user: User
) -> ClientIdentifier:
    """Add an identity number; the same number twice is a no-op, another client's is refused."""
    agency = _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    ident = clean_identifier(kind, value, issuer, today=timezone.localdate())
    known = ClientIdentifier.objects.filter(client=client)
    if ident.kind == IdentifierKind.NONE:
        if known.exclude(kind=IdentifierKind.NONE).exists():
            raise ValidationError(
                {"kind": _("The client already has an identity number.")}, code="has_number"
            )
        none_row = known.filter(kind=IdentifierKind.NONE).first()
        if none_row is not None:
            return none_row
    else:
        owner = _client_with(agency, ident)
        if owner is not None and owner.pk != client.pk:
            raise DuplicateIdentifier(owner)
        if owner is not None:
            return known.get(kind=ident.kind, issuer=ident.issuer, value=ident.value)
    try:
        with transaction.atomic():
            row = _new_identifier(client, agency, ident, acting_user)
    except IntegrityError:
        owner = _client_with(agency, ident)
        if owner is None:
            raise
        raise DuplicateIdentifier(owner) from None
    if ident.kind != IdentifierKind.NONE:
        # "No identity number" no longer holds.
        known.filter(kind=IdentifierKind.NONE).delete()
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CLIENT,
        client.pk,
        f"identifier added: {ident.kind}",
    )
    _revise_encounter_ages(client, acting_user)
    return row


def _revise_encounter_ages(client: Client, acting_user: User) -> None:
    """The age at each of the client's encounters, again from what is now known of their age.

    A date of birth or an assessment recorded later revises where the statistics place the
    person (``ClientEncounter.age_band``); the child-concern reports filed at the encounters
    stand whatever is learnt. Each revised encounter is named in the audit event.
    """
    revised = []
    for link in ClientEncounter.objects.select_for_update().filter(client=client).select_related("encounter"):
        day = timezone.localdate(link.encounter.occurred_at)
        age, band = client.age_on(day), established_band(client, day)
        if (link.age_years, link.age_source, link.age_band) == (age.years, age.source, band):
            continue
        before = link.age_band or f"recorded {link.encounter.age_band}"
        link.age_years, link.age_source, link.age_band = age.years, age.source, band
        link.save(update_fields=["age_years", "age_source", "age_band"])
        revised.append(f"{link.encounter_id}: {before} -> {band or 'recorded ' + link.encounter.age_band}")
    if revised:
        audit_record(
            acting_user,
            AuditAction.UPDATE,
            RecordType.CLIENT,
            client.pk,
            f"age at encounters revised: {'; '.join(revised)}"[:500],
        )


@transaction.atomic
def do_record_age_assessment(
    client: Client,
    *,
    min_years: int,
    max_years: int | None = None,
    basis: str,
    assessed_on: dt.date,
    note: str = "",
    acting_user: User,
) -> AgeAssessment:
    """A stated or assessed age: one value, or a range from ``min_years`` to ``max_years``."""
    _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    if basis not in AgeBasis.values:
        raise ValidationError(
            {"basis": _("Choose what the age is based on.")}, code="invalid_choice"
        )
    max_years = min_years if max_years is None else max_years
    _check_age_range(min_years, max_years)
    _not_in_future(assessed_on, "assessed_on")
    assessment = AgeAssessment(
        client=client,
        min_years=min_years,
        max_years=max_years,
        basis=basis,
        assessed_on=assessed_on,
        note=note.strip(),
        assessed_by=acting_user,
    )
    assessment.full_clean(exclude=["client", "assessed_by"])
    assessment.save(force_insert=True)
    audit_record(
        acting_user, AuditAction.UPDATE, RecordType.CLIENT, client.pk, f"age assessment: {basis}"
    )
    _revise_encounter_ages(client, acting_user)
    return assessment


@transaction.atomic
def do_link_encounter(
    client: Client, *, encounter: Encounter, acting_user: User
) -> ClientEncounter:
    """The client is the person met at ``encounter``; their age then is frozen on the link.

    Open child-concern reports filed for the encounter are linked to the client too.
    """
    agency = _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    if not Encounter.objects.visible_to(acting_user).filter(pk=encounter.pk).exists():
        raise ValidationError(
            {"encounter": _("Choose an encounter from your collaboration's shifts.")}, code="hidden"
        )
    existing = ClientEncounter.objects.select_for_update().filter(encounter=encounter).first()
    if existing is not None:
        if existing.client_id == client.pk:
            return existing
        raise ValidationError(
            {"encounter": _("This encounter is already linked to another client.")}, code="linked"
        )
    day = timezone.localdate(encounter.occurred_at)
    age = client.age_on(day)
    try:
        with transaction.atomic():
            link = ClientEncounter.objects.create(
                client=client,
                encounter=encounter,
                age_years=age.years,
                age_source=age.source,
                age_band=established_band(client, day),
                linked_by=acting_user,
            )
    except IntegrityError:
        raise ValidationError(
            {"encounter": _("This encounter is already linked to another client.")}, code="linked"
        ) from None
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CLIENT,
        client.pk,
        f"encounter linked: {encounter.pk}",
    )
    reports = open_concern_reports(
        ChildConcernReport.objects.filter(
            encounter=encounter, addressed_to=agency, client_link__isnull=True
        )
    )
    for report in reports:
        ConcernClientLink.objects.create(report=report, client=client, linked_by=acting_user)
        audit_record(
            acting_user,
            AuditAction.UPDATE,
            RecordType.CONCERN_HANDLING,
            report.pk,
            f"client linked: {client.pk}",
        )
    return link


@transaction.atomic
def do_mark_unidentified(encounter: Encounter, *, reason: str, acting_user: User) -> UnidentifiedEncounter:
    """The person met at ``encounter`` cannot be identified: off the agency's work list.

    The encounter stays a person of its own in the statistics. Only an encounter with a
    person in prostitution that no client is linked to can be marked, once per agency.
    """
    require(acting_user, RecordType.CLIENT, Action.UPDATE)
    agency = _own_agency(acting_user)
    if not Encounter.objects.visible_to(acting_user).filter(pk=encounter.pk).exists():
        raise ValidationError(
            {"encounter": _("Choose an encounter from your collaboration's shifts.")}, code="hidden"
        )
    locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
    if locked.role != EncounterRole.EXPLOITED:
        raise ValidationError(
            {"encounter": _("Only a person in prostitution is on the work list.")}, code="role"
        )
    if ClientEncounter.objects.filter(encounter=locked).exists():
        raise ValidationError(
            {"encounter": _("This encounter is already linked to a client.")}, code="linked"
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the person cannot be identified.")}, code="required")
    existing = UnidentifiedEncounter.objects.filter(encounter=locked, agency=agency).first()
    if existing is not None:
        return existing
    mark = UnidentifiedEncounter(encounter=locked, agency=agency, reason=reason, marked_by=acting_user)
    mark.full_clean(exclude=["encounter", "agency", "marked_by"])
    mark.save(force_insert=True)
    audit_record(
        acting_user, AuditAction.UPDATE, RecordType.ENCOUNTER, locked.pk, "marked as cannot be identified"
    )
    return mark


# --- Support actions, referrals, consents ------------------------------------------------


@transaction.atomic
def do_record_support_action(
    client: Client,
    *,
    kind: str,
    happened_on: dt.date,
    note: str = "",
    encounter: Encounter | None = None,
    acting_user: User,
) -> SupportAction:
    agency = _require_own_client(acting_user, client, RecordType.SUPPORT_ACTION, Action.CREATE)
    if kind not in SupportActionKind.values:
        raise ValidationError({"kind": _("Choose what was done.")}, code="invalid_choice")
    _not_in_future(happened_on, "happened_on")
    if encounter is not None and not client.encounter_links.filter(encounter=encounter).exists():
        raise ValidationError(
            {"encounter": _("Choose one of the client's own encounters.")}, code="not_linked"
        )
    action = SupportAction(
        client=client,
        agency=agency,
        encounter=encounter,
        kind=kind,
        happened_on=happened_on,
        note=note.strip(),
        performed_by=acting_user,
    )
    action.full_clean(exclude=["client", "agency", "encounter", "performed_by"])
    action.save(force_insert=True)
    audit_record(
        acting_user,
        AuditAction.CREATE,
        RecordType.SUPPORT_ACTION,
        action.pk,
        f"client: {client.pk}; {kind}",
    )
    return action


def age_refusal(unit: SupportUnit, client: Client, day: dt.date) -> str | None:
    """Why ``client`` cannot be referred to ``unit`` on ``day`` because of age, if so."""
    age = client.age_on(day)
    if unit.accepts(minor=age.counts_as_minor):
        return None
    if age.years is None:
        return _(
            "The client's age is not known, so the client is treated as a child. "
            "%(unit)s only takes adults. Record an age assessment or choose a unit for children."
        ) % {"unit": unit.name}
    if age.counts_as_minor:
        return _("%(unit)s only takes adults. A child cannot be referred there.") % {
            "unit": unit.name
        }
    return _("%(unit)s only takes children under 18.") % {"unit": unit.name}


def client_groups(client: Client, day: dt.date) -> frozenset[str]:
    """Whom the client counts as on ``day``, for whom a unit serves (``ServedGroup``).

    A child (the presumption of childhood: an unknown age counts as a child);
    a sex buyer when the client was met as a buyer or a concern report was
    about a child who bought sex; otherwise, and whenever met in
    prostitution, a person in prostitution (whom this register is for).
    """
    groups = set()
    if client.age_on(day).counts_as_minor:
        groups.add(ServedGroup.CHILDREN)
    roles = set(client.encounter_links.values_list("encounter__role", flat=True))
    subjects = set(client.concern_links.values_list("report__subject", flat=True))
    if EncounterRole.BUYER in roles or ConcernSubject.BUYER in subjects:
        groups.add(ServedGroup.BUYERS)
    if (
        EncounterRole.EXPLOITED in roles
        or ConcernSubject.EXPLOITED in subjects
        or ServedGroup.BUYERS not in groups
    ):
        groups.add(ServedGroup.IN_PROSTITUTION)
    return frozenset(groups)


def served_refusal(unit: SupportUnit, client: Client, day: dt.date) -> str | None:
    """Why ``unit`` does not serve ``client`` on ``day``, if it does not (age first, then whom)."""
    refusal = age_refusal(unit, client, day)
    if refusal is not None:
        return refusal
    if unit.served_groups & client_groups(client, day):
        return None
    return _(
        "%(unit)s serves %(groups)s, and the client is none of them. Choose a unit that "
        "serves the client."
    ) % {"unit": unit.name, "groups": unit.served_label}


@transaction.atomic
def do_refer(
    client: Client, *, unit: SupportUnit, sent_on: dt.date, note: str = "", acting_user: User
) -> Referral:
    """Refer the client to a support unit that is open on the day and serves the client.

    The unit must take people of the client's age and serve someone the client
    is (``client_groups``): a programme for sex buyers does not take a person
    in prostitution.
    """
    agency = _require_own_client(acting_user, client, RecordType.REFERRAL, Action.CREATE)
    _not_in_future(sent_on, "sent_on")
    if unit.agency_id is not None and unit.agency_id != agency.pk:
        raise ValidationError(
            {"unit": _("Choose a unit your agency can refer to.")}, code="other_agency"
        )
    if not unit.is_valid_on(sent_on):
        raise ValidationError(
            {"unit": _("%(unit)s did not take referrals on that date.") % {"unit": unit.name}},
            code="not_valid",
        )
    refusal = age_refusal(unit, client, sent_on)
    if refusal is not None:
        raise ValidationError({"unit": refusal}, code="age")
    refusal = served_refusal(unit, client, sent_on)
    if refusal is not None:
        raise ValidationError({"unit": refusal}, code="not_served")
    referral = Referral(
        client=client,
        agency=agency,
        unit=unit,
        sent_on=sent_on,
        note=note.strip(),
        referred_by=acting_user,
    )
    referral.full_clean(exclude=["client", "agency", "unit", "referred_by", "updated_by"])
    referral.save(force_insert=True)
    audit_record(
        acting_user,
        AuditAction.CREATE,
        RecordType.REFERRAL,
        referral.pk,
        f"client: {client.pk}; unit: {unit.code}",
    )
    return referral


@transaction.atomic
def do_update_referral(
    referral: Referral, *, status: str, on: dt.date, reason: str = "", acting_user: User
) -> Referral:
    """Move a referral on: sent → received → closed, or declined (with a reason)."""
    require(acting_user, RecordType.REFERRAL, Action.UPDATE)
    agency = _own_agency(acting_user)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.agency_id != agency.pk:
        raise PermissionDenied
    if locked.status == status:
        return locked  # a repeated click changes nothing
    if status not in locked.next_statuses():
        current = ReferralStatus(locked.status).label
        new = ReferralStatus(status).label if status in ReferralStatus.values else status
        raise ValidationError(
            {
                "status": _("A referral that is %(status)s cannot become %(new)s.")
                % {"status": str(current).lower(), "new": str(new).lower()}
            },
            code="transition",
        )
    _not_in_future(on, "on")
    if on < locked.last_step_on:
        raise ValidationError(
            {
                "on": _("The date cannot be before the previous step (%(date)s).")
                % {"date": f"{locked.last_step_on:%Y-%m-%d}"}
            },
            code="too_early",
        )
    reason = " ".join(reason.split())
    fields = ["status", "updated_by"]
    if status == ReferralStatus.RECEIVED:
        locked.received_on = on
        fields.append("received_on")
    elif status == ReferralStatus.CLOSED:
        locked.closed_on = on
        fields.append("closed_on")
    else:
        if not reason:
            raise ValidationError(
                {"reason": _("Say why the referral was declined.")}, code="required"
            )
        locked.declined_on = on
        locked.decline_reason = reason[:300]
        fields += ["declined_on", "decline_reason"]
    locked.status = status
    locked.updated_by = acting_user
    locked.save(update_fields=fields)
    audit_record(acting_user, AuditAction.UPDATE, RecordType.REFERRAL, locked.pk, f"status: {status}")
    return locked


def guardian_refusal(client: Client, given_by: str, on: dt.date) -> str | None:
    """A guardian consents only for a child (``samverkan.lib.age``: an unknown age counts as one)."""
    if given_by != ConsentGiver.GUARDIAN:
        return None
    age = client.age_on(on)
    if presumed_minor(age.years):
        return None
    return _(
        "A guardian can consent only for a child. The client was %(years)s on that day and "
        "consents for themselves."
    ) % {"years": age.years}


@transaction.atomic
def do_record_consent(
    client: Client,
    *,
    scope: str,
    given_by: str,
    given_on: dt.date,
    detail: str = "",
    acting_user: User,
) -> Consent:
    _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    if scope not in ConsentScope.values:
        raise ValidationError(
            {"scope": _("Choose what the consent covers.")}, code="invalid_choice"
        )
    if given_by not in ConsentGiver.values:
        raise ValidationError(
            {"given_by": _("Choose who gave the consent.")}, code="invalid_choice"
        )
    detail = " ".join(detail.split())
    if scope == ConsentScope.OTHER and not detail:
        raise ValidationError({"detail": _("Describe what the consent covers.")}, code="required")
    _not_in_future(given_on, "given_on")
    refusal = guardian_refusal(client, given_by, given_on)
    if refusal is not None:
        raise ValidationError({"given_by": refusal}, code="adult")
    consent = Consent(
        client=client,
        scope=scope,
        detail=detail,
        given_by=given_by,
        given_on=given_on,
        recorded_by=acting_user,
    )
    consent.full_clean(exclude=["client", "recorded_by", "withdrawn_by"])
    consent.save(force_insert=True)
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CLIENT,
        client.pk,
        f"consent recorded: {consent.pk}; {scope}",
    )
    return consent


@transaction.atomic
def do_withdraw_consent(consent: Consent, *, acting_user: User) -> Consent:
    locked = Consent.objects.select_for_update().select_related("client").get(pk=consent.pk)
    _require_own_client(acting_user, locked.client, RecordType.CLIENT, Action.UPDATE)
    if withdraw_once(locked, acting_user):
        audit_record(
            acting_user,
            AuditAction.UPDATE,
            RecordType.CLIENT,
            locked.client_id,
            f"consent withdrawn: {locked.pk}",
        )
    return locked


# --- Child-concern reports: social services' handling -----------------------------------


def _lock_handling(report: ChildConcernReport, acting_user: User) -> ConcernHandling:
    """The report's handling, locked, if the user's agency handles it and it is still open.

    The filed report's row is locked first, so that two first actions on a
    report cannot both create its handling; a report nobody has acted on yet
    gets an unsaved handling, which ``_save_handling`` inserts.
    """
    require(acting_user, RecordType.CONCERN_HANDLING, Action.UPDATE)
    locked = (
        concern_reports_handled_by(acting_user, Action.UPDATE)
        .select_for_update()
        .filter(pk=report.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    handling = ConcernHandling.objects.select_for_update().filter(report=locked).first()
    if handling is None:
        return ConcernHandling(report=locked, agency_id=locked.addressed_to_id)
    if handling.is_closed:
        raise ValidationError(
            _("The report is closed and can no longer be changed."), code="closed"
        )
    handling.report = locked
    return handling


def _save_handling(
    user: User, handling: ConcernHandling, fields: list[str], detail: str
) -> ConcernHandling:
    """Save what the user did (the first action creates the handling), audited."""
    handling.handled_by = user
    if handling._state.adding:
        require(user, RecordType.CONCERN_HANDLING, Action.CREATE)
        handling.save(force_insert=True)
        action = AuditAction.CREATE
    else:
        handling.save(update_fields=[*fields, "handled_by"])
        action = AuditAction.UPDATE
    audit_record(user, action, RecordType.CONCERN_HANDLING, handling.pk, detail)
    return handling


@transaction.atomic
def do_assess_protection(
    report: ChildConcernReport,
    *,
    assessment: str,
    assessed_at: dt.datetime | None = None,
    acting_user: User,
) -> ConcernHandling:
    """The immediate protection assessment: is the child in need of protection now?"""
    handling = _lock_handling(report, acting_user)
    if handling.protection_assessed_at is not None:
        raise ValidationError(_("The protection assessment is already recorded."), code="done")
    assessment = assessment.strip()
    if not assessment:
        raise ValidationError(
            {"assessment": _("Write the protection assessment.")}, code="required"
        )
    handling.protection_assessed_at = _moment(
        assessed_at, "assessed_at", not_before=handling.report.created_at
    )
    handling.protection_assessment = assessment
    fields = ["protection_assessed_at", "protection_assessment"]
    if handling.status == ConcernStatus.RECEIVED:
        handling.status = ConcernStatus.ASSESSED
        fields.append("status")
    return _save_handling(acting_user, handling, fields, "protection assessed")


@transaction.atomic
def do_decide_concern(
    report: ChildConcernReport,
    *,
    decision: str,
    decided_at: dt.datetime | None = None,
    acting_user: User,
) -> ConcernHandling:
    """The decision whether to open an investigation (within 14 days)."""
    handling = _lock_handling(report, acting_user)
    if handling.protection_assessed_at is None:
        raise ValidationError(_("Record the protection assessment first."), code="order")
    if handling.decided_at is not None:
        raise ValidationError(_("The decision is already recorded."), code="done")
    if decision not in ConcernDecision.values:
        raise ValidationError({"decision": _("Choose a decision.")}, code="invalid_choice")
    handling.decided_at = _moment(
        decided_at, "decided_at", not_before=handling.protection_assessed_at
    )
    handling.decision = decision
    handling.status = (
        ConcernStatus.INVESTIGATING
        if decision == ConcernDecision.OPEN
        else ConcernStatus.NOT_INVESTIGATED
    )
    return _save_handling(
        acting_user, handling, ["decided_at", "decision", "status"], f"decision: {decision}"
    )


@transaction.atomic
def do_finish_investigation(
    report: ChildConcernReport,
    *,
    finished_at: dt.datetime | None = None,
    acting_user: User,
) -> ConcernHandling:
    """The end of the investigation (within four months of the decision)."""
    handling = _lock_handling(report, acting_user)
    if handling.decision != ConcernDecision.OPEN or handling.decided_at is None:
        raise ValidationError(_("No investigation was opened."), code="order")
    if handling.investigation_closed_at is not None:
        raise ValidationError(_("The investigation is already finished."), code="done")
    handling.investigation_closed_at = _moment(
        finished_at, "finished_at", not_before=handling.decided_at
    )
    return _save_handling(
        acting_user, handling, ["investigation_closed_at"], "investigation finished"
    )


@transaction.atomic
def do_link_concern_to_client(
    report: ChildConcernReport, *, client: Client, acting_user: User
) -> ConcernClientLink:
    """The client the report is about; it can be changed while the report is open."""
    locked = _lock_handling(report, acting_user).report
    _require_own_client(acting_user, client, RecordType.CLIENT, Action.UPDATE)
    if locked.encounter_id is not None:
        encounter_link = ClientEncounter.objects.filter(encounter_id=locked.encounter_id).first()
        if encounter_link is not None and encounter_link.client_id != client.pk:
            raise ValidationError(
                {"client": _("The report's encounter is linked to another client.")},
                code="conflict",
            )
    link, _created = ConcernClientLink.objects.update_or_create(
        report=locked,
        defaults={"client": client, "linked_by": acting_user, "linked_at": timezone.now()},
    )
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CONCERN_HANDLING,
        locked.pk,
        f"client linked: {client.pk}",
    )
    return link


def referrals_since_report(report: ChildConcernReport) -> list[Referral]:
    """Referrals of the report's client to support, made since the report came in and not declined.

    A tip line or a programme for buyers is not support for the child (``NOT_SUPPORT``).
    """
    link = ConcernClientLink.objects.filter(report=report).first()
    if link is None:
        return []
    return list(
        Referral.objects.filter(
            client_id=link.client_id, sent_on__gte=timezone.localdate(report.created_at)
        )
        .not_declined()
        .exclude(unit__kind__in=NOT_SUPPORT)
        .select_related("unit")
    )


@transaction.atomic
def do_close_concern(
    report: ChildConcernReport, *, reason: str = "", acting_user: User
) -> ConcernHandling:
    """Close a handled report. No child is closed out without a referral or a recorded reason."""
    handling = _lock_handling(report, acting_user)
    if handling.decided_at is None:
        raise ValidationError(
            _("Decide whether to open an investigation before closing the report."), code="order"
        )
    if handling.decision == ConcernDecision.OPEN and handling.investigation_closed_at is None:
        raise ValidationError(
            _("Finish the investigation before closing the report."), code="order"
        )
    reason = reason.strip()
    if not reason and not referrals_since_report(handling.report):
        raise ValidationError(
            {
                "closure_reason": _(
                    "A child cannot be closed out without support. Refer the child to a support "
                    "unit, or write why the report is closed without a referral."
                )
            },
            code="no_referral",
        )
    handling.status = ConcernStatus.CLOSED
    handling.closed_at = timezone.now()
    handling.closure_reason = reason
    return _save_handling(
        acting_user,
        handling,
        ["status", "closed_at", "closure_reason"],
        "closed" + ("" if not reason else " with reason"),
    )
