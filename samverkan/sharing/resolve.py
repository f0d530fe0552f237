"""The owner's side: which of its records a request names, and the facts the rules need.

A requester names a record by an encounter both agencies see, or by a police
case number. Only a user of the owning agency resolves that, through the
owner's own ``visible_to``; the requester is never told whether anything
matched until the owner has decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import Agency
from samverkan.accounts.policy import Action, RecordType
from samverkan.investigations.models import (
    CrimeReport,
    CrimeReportParty,
    Offence,
    Suspect,
    normalise_case_number,
)
from samverkan.lib.age import is_minor
from samverkan.operations.models import AgeBand, Encounter
from samverkan.sharing.models import OffencePenalty
from samverkan.sharing.registry import entry
from samverkan.sharing.rules import Direction, Facts, OffenceFacts, SubjectAge, brb_chapter
from samverkan.support.models import (
    Client,
    ClientEncounter,
    Consent,
    ConsentScope,
    Referral,
    SupportAction,
)


@dataclass(frozen=True)
class Subject:
    """How a record was named: its type, and an encounter or a case number."""

    record_type: str
    encounter_id: int | None = None
    case_number: str = ""


@dataclass(frozen=True)
class _Lookup:
    model: type[models.Model]
    owner_field: str
    # Paths from the record to an encounter that names it.
    encounter_paths: tuple[str, ...]
    case_number_path: str | None = None


LOOKUPS: dict[str, _Lookup] = {
    RecordType.CLIENT: _Lookup(Client, "agency", ("encounter_links__encounter",)),
    RecordType.SUPPORT_ACTION: _Lookup(SupportAction, "agency", ("encounter",)),
    RecordType.REFERRAL: _Lookup(Referral, "agency", ("client__encounter_links__encounter",)),
    RecordType.CRIME_REPORT: _Lookup(
        CrimeReport, "agency", ("parties__encounter", "suspects__encounter"), "case_number"
    ),
    RecordType.SUSPECT: _Lookup(
        Suspect,
        "crime_report__agency",
        ("encounter", "crime_report__parties__encounter"),
        "crime_report__case_number",
    ),
}


def _owner_records(user: Any, record_type: str, owner: Agency) -> models.QuerySet[Any]:
    lookup = LOOKUPS[record_type]
    manager: Any = lookup.model._default_manager
    records: models.QuerySet[Any] = manager.visible_to(user, Action.VIEW)
    return records.filter(**{lookup.owner_field: owner})


def resolve(user: Any, owner: Agency, subjects: Iterable[Subject]) -> dict[Subject, list[Any]]:
    """Each subject → the owner's records it names, as ``user`` (of the owner) sees them.

    A few queries per record type for any number of subjects, so that an inbox
    page does not run one query per row.
    """
    wanted: dict[str, list[Subject]] = {}
    for subject in subjects:
        if subject.record_type in LOOKUPS:
            wanted.setdefault(subject.record_type, []).append(subject)
    found: dict[Subject, dict[int, Any]] = {}
    for record_type, group in wanted.items():
        lookup = LOOKUPS[record_type]
        base = _owner_records(user, record_type, owner)
        encounter_ids = {s.encounter_id for s in group if s.encounter_id is not None}
        numbers = {normalise_case_number(s.case_number) for s in group if s.case_number}
        by_encounter: dict[int, dict[int, Any]] = {}
        by_number: dict[str, dict[int, Any]] = {}
        if encounter_ids:
            for path in lookup.encounter_paths:
                rows = base.annotate(named_by=F(path)).filter(named_by__in=encounter_ids)
                for record in rows:
                    by_encounter.setdefault(record.named_by, {})[record.pk] = record
        if numbers and lookup.case_number_path:
            path = lookup.case_number_path
            for record in base.annotate(named_by=F(path)).filter(named_by__in=numbers):
                by_number.setdefault(record.named_by, {})[record.pk] = record
        for subject in group:
            matches: dict[int, Any] = {}
            if subject.encounter_id is not None:
                matches |= by_encounter.get(subject.encounter_id, {})
            if subject.case_number:
                matches |= by_number.get(normalise_case_number(subject.case_number), {})
            found[subject] = matches
    return {
        subject: sorted(found.get(subject, {}).values(), key=lambda r: r.pk) for subject in subjects
    }


def candidates(user: Any, owner: Agency, subject: Subject) -> list[Any]:
    return resolve(user, owner, [subject])[subject]


def owner_record(user: Any, record_type: str, owner: Agency, record_id: Any) -> Any | None:
    """One of the owner's records by id, as ``user`` (of the owner) sees it."""
    if record_type not in LOOKUPS:
        return None
    try:
        return _owner_records(user, record_type, owner).filter(pk=int(record_id)).first()
    except (TypeError, ValueError):
        return None


def stored_record(record_type: str, owner: Agency, record_id: int | None) -> Any | None:
    """The disclosed record, read by the system to re-check a decision (never shown)."""
    lookup = LOOKUPS.get(record_type)
    if lookup is None or record_id is None:
        return None
    manager: Any = lookup.model._default_manager
    return manager.filter(**{lookup.owner_field: owner, "pk": record_id}).first()


# --- What the owner sees of a candidate -------------------------------------------------


@dataclass(frozen=True)
class Summary:
    pk: int
    title: str
    lines: list[str]

    @property
    def label(self) -> str:
        return f"{self.title} ({', '.join(self.lines)})" if self.lines else self.title


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def summary(record_type: str, record: Any) -> Summary:
    """A few words that let the owner recognise its own record."""
    if isinstance(record, Client):
        return Summary(
            record.pk,
            record.pseudonym,
            [_("Client %(id)s") % {"id": record.pk}]
            + ([_("Protected personal data")] if record.protected_identity else []),
        )
    if isinstance(record, SupportAction):
        return Summary(
            record.pk,
            f"{record.get_kind_display()} {record.happened_on:%Y-%m-%d}",
            [_("Client %(id)s") % {"id": record.client_id}],
        )
    if isinstance(record, Referral):
        return Summary(
            record.pk,
            str(record),
            [_("Client %(id)s") % {"id": record.client_id}, f"{record.sent_on:%Y-%m-%d}"],
        )
    if isinstance(record, CrimeReport):
        return Summary(
            record.pk,
            record.case_number,
            [str(record.offence), _local(record.committed_at), record.get_status_display()],
        )
    if isinstance(record, Suspect):
        return Summary(
            record.pk,
            record.name,
            [
                record.crime_report.case_number,
                _("%(age)s years at the offence") % {"age": record.age_at_offence},
                record.get_role_display(),
            ],
        )
    return Summary(int(record.pk), str(record), [])


# --- The facts the rules check ----------------------------------------------------------


def _age_from_years(years: int | None) -> SubjectAge:
    if years is None:
        return SubjectAge.UNKNOWN
    return SubjectAge.MINOR if is_minor(years) else SubjectAge.ADULT


def _age_from_bands(bands: Iterable[str]) -> SubjectAge:
    found = set(bands)
    if AgeBand.UNDER_18 in found:
        return SubjectAge.MINOR
    if AgeBand.UNCERTAIN in found:
        return SubjectAge.UNKNOWN
    return SubjectAge.ADULT


def _client_of(record: Any) -> Client:
    return record if isinstance(record, Client) else record.client


def _client_age(client: Client, encounter_id: int | None, on: dt.date) -> SubjectAge:
    """The age when met at the named encounter (frozen there), else on the day."""
    if encounter_id is not None:
        link = ClientEncounter.objects.filter(client=client, encounter_id=encounter_id).first()
        if link is not None:
            return _age_from_years(link.age_years)
    return _age_from_years(client.age_on(on).years)


def _police_record_age(record: Any, encounter_id: int | None) -> SubjectAge:
    """Whether the record concerns a child: the named person, a party, the victim, a suspect."""
    report: CrimeReport = record if isinstance(record, CrimeReport) else record.crime_report
    bands: list[str] = []
    if encounter_id is not None:
        bands += Encounter.objects.filter(pk=encounter_id).values_list("age_band", flat=True)
    bands += CrimeReportParty.objects.filter(crime_report=report).values_list(
        "encounter__age_band", flat=True
    )
    if report.trafficking_victim_age:
        bands.append(report.trafficking_victim_age)
    if report.offence.child_victim:
        bands.append(AgeBand.UNDER_18)
    suspects = [record] if isinstance(record, Suspect) else list(report.suspects.all())
    # The age registered stays frozen for the statistics; a corrected birth date
    # that shows a child counts here too (the cautious side).
    if any(s.is_minor_at_offence or is_minor(s.age_by_birth_date()) for s in suspects):
        bands.append(AgeBand.UNDER_18)
    return _age_from_bands(bands)


def offence_facts(offence: Offence, on: dt.date) -> OffenceFacts:
    at_least_a_year = (
        OffencePenalty.objects.valid_on(on)
        .filter(offence=offence, minimum_penalty_one_year=True)
        .exists()
    )
    return OffenceFacts(str(offence), brb_chapter(offence.code), at_least_a_year)


def facts_for(
    record_type: str,
    record: Any,
    *,
    encounter_id: int | None,
    offence: Offence | None,
    at: dt.datetime,
) -> Facts:
    """The facts of disclosing ``record`` at ``at`` (a decision, or an oral disclosure)."""
    registered = entry(record_type)
    assert registered is not None
    on = timezone.localdate(at)
    direction = registered.direction
    if direction == Direction.TO_POLICE:
        client = _client_of(record)
        consent = (
            Consent.objects.filter(
                client=client, scope=ConsentScope.SHARE_WITH_POLICE, given_on__lte=on
            )
            .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
            .exists()
        )
        age = _client_age(client, encounter_id, on)
    else:
        consent = False
        age = _police_record_age(record, encounter_id)
    return Facts(
        direction=direction,
        subject_age=age,
        on=on,
        offence=offence_facts(offence, on) if offence is not None else None,
        consent=consent,
    )
