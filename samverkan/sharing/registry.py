"""What can be disclosed: per record type, its owner's kind and the fields by name.

The names are the ones the owning app's pages test with ``disclosed_fields``
(``support.models.CLIENT_FIELDS``, ``CrimeReport.DISCLOSABLE_FIELDS``,
``Suspect.DISCLOSABLE_FIELDS``); ``tests/test_registry.py`` keeps them equal,
so a field granted here is exactly a field shown there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import AgencyKind
from samverkan.accounts.policy import RecordType
from samverkan.legal.provisions import Direction


@dataclass(frozen=True)
class DisclosableField:
    name: str
    label: str | Promise


@dataclass(frozen=True)
class DisclosableRecord:
    record_type: RecordType
    owner_kind: AgencyKind
    fields: tuple[DisclosableField, ...]
    # Whether a requester may name the record by a police case number.
    by_case_number: bool = False

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def direction(self) -> Direction:
        if self.owner_kind == AgencyKind.SOCIAL_SERVICES:
            return Direction.TO_POLICE
        return Direction.TO_SOCIAL_SERVICES

    def label(self, name: str) -> str:
        for f in self.fields:
            if f.name == name:
                return str(f.label)
        return name

    def labels(self, names: object) -> list[str]:
        """Labels of ``names`` in the registry's order (unknown names are left out)."""
        chosen = set(names) if isinstance(names, (list, tuple, set, frozenset)) else set()
        return [str(f.label) for f in self.fields if f.name in chosen]


F = DisclosableField
SS = AgencyKind.SOCIAL_SERVICES
POLICE = AgencyKind.POLICE

REGISTRY: dict[str, DisclosableRecord] = {
    RecordType.CLIENT: DisclosableRecord(
        RecordType.CLIENT,
        SS,
        (
            F("pseudonym", _("Pseudonym")),
            F("identifiers", _("Identity numbers")),
            F("ages", _("Stated and assessed ages")),
            F("language", _("Language")),
            F("contact", _("Contact details")),
            F("encounters", _("Encounters, with the age at each")),
            F("consents", _("Consents")),
        ),
    ),
    # The support pages show a disclosed support action or referral as a whole
    # entry, so the entry is the one thing that can be granted.
    RecordType.SUPPORT_ACTION: DisclosableRecord(
        RecordType.SUPPORT_ACTION,
        SS,
        (F("entry", _("The entry: what was done, when, by whom, and the note")),),
    ),
    RecordType.REFERRAL: DisclosableRecord(
        RecordType.REFERRAL,
        SS,
        (F("entry", _("The referral: unit, status, dates and note")),),
    ),
    RecordType.CRIME_REPORT: DisclosableRecord(
        RecordType.CRIME_REPORT,
        POLICE,
        (
            F("case_number", _("Case number")),
            F("offence", _("Offence")),
            F("committed_at", _("Time of the offence")),
            F("status", _("Status")),
            F("venue", _("Venue")),
            F("shift", _("Shift")),
            F("narrative", _("What happened")),
            F("buyer_aware_of_age", _("Whether the buyer was aware of the child's age")),
            F("awareness_basis", _("Basis for the assessment of awareness")),
            F("trafficking_purpose", _("Purpose of the trafficking")),
            F("trafficking_victim_age", _("Age of the victim of trafficking")),
            F("parties", _("Injured parties and witnesses (as encounters)")),
        ),
        by_case_number=True,
    ),
    RecordType.SUSPECT: DisclosableRecord(
        RecordType.SUSPECT,
        POLICE,
        (
            F("name", _("Name")),
            F("personnummer", _("Personal identity number")),
            F("birth_date", _("Date of birth")),
            F("age_at_offence", _("Age at the offence")),
            F("role", _("Role")),
        ),
        by_case_number=True,
    ),
}

RECORD_TYPE_CHOICES: list[tuple[str, str | Promise]] = [
    (str(rt), RecordType(rt).label) for rt in REGISTRY
]


def entry(record_type: str) -> DisclosableRecord | None:
    return REGISTRY.get(record_type)


def record_types_owned_by(kind: str) -> list[str]:
    return [rt for rt, e in REGISTRY.items() if e.owner_kind == kind]


def record_types_requestable_by(kind: str) -> list[str]:
    """An agency asks the other kind of agency for its records, never its own kind."""
    return [rt for rt, e in REGISTRY.items() if e.owner_kind != kind]
