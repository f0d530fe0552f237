"""Police records: crime reports, suspects and the parties to a report.

Police data under the Criminal Data Act, in the police agency's own
partition (DESIGN.md §6): officers and investigators read and write their own
agency's records, analysts read them, social services see only the fields a
disclosure granted, and nobody else sees a single record.

Identities of suspects live here and only here. A party (injured party or
witness) is a reference to a shared ``Encounter`` — role, age band, venue,
time — and never a copy of anyone's identity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import Agency, Collaboration, user_reference
from samverkan.accounts.policy import RecordType
from samverkan.legal.case_numbers import normalise_case_number, validate_case_number
from samverkan.legal.models import Offence
from samverkan.lib.age import ADULT_AGE, is_minor
from samverkan.operations.models import (
    AgeBand,
    ChildConcernReport,
    Encounter,
    Shift,
    Venue,
    normalise_key,
)
from samverkan.sharing.gate import DisclosableQuerySet

# --- Crime reports --------------------------------------------------------------

# Police case numbers: K-number with the two-digit year ("K123456-21"), optionally
# after a four-digit unit prefix ("5000-K123456-21"); some systems give digits only.
class CrimeReportStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    PRELIMINARY_INVESTIGATION = "preliminary_investigation", _("Preliminary investigation opened")
    CLOSED = "closed", _("Closed")
    SUMMARY_PENALTY = "summary_penalty", _("Summary penalty order")
    PROSECUTION = "prosecution", _("Prosecution")


# A report that is not investigated may be closed at once; the other outcomes
# follow a preliminary investigation. The last three are final.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CrimeReportStatus.REGISTERED: (
        CrimeReportStatus.PRELIMINARY_INVESTIGATION,
        CrimeReportStatus.CLOSED,
    ),
    CrimeReportStatus.PRELIMINARY_INVESTIGATION: (
        CrimeReportStatus.CLOSED,
        CrimeReportStatus.SUMMARY_PENALTY,
        CrimeReportStatus.PROSECUTION,
    ),
}


class AgeAwareness(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")


class TraffickingPurpose(models.TextChoices):
    """The purposes of BrB 4:1 a; Brå reports sexual purposes apart from the others."""

    SEXUAL = "sexual", _("Sexual purposes")
    FORCED_LABOUR = "forced_labour", _("Forced labour")
    ORGAN_REMOVAL = "organ_removal", _("Removal of organs")
    MILITARY_SERVICE = "military_service", _("Military service")
    OTHER = "other", _("Other activity in a situation of distress")


class CrimeReportQuerySet(DisclosableQuerySet["CrimeReport"]):
    record_type = RecordType.CRIME_REPORT

    def search(self, text: str) -> CrimeReportQuerySet:
        needle = normalise_case_number(text)
        return self.filter(case_number__contains=needle) if needle else self

    def committed_in_year(self, year: int) -> CrimeReportQuerySet:
        tz = timezone.get_current_timezone()
        start = dt.datetime(year, 1, 1, tzinfo=tz)
        end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
        return self.filter(committed_at__gte=start, committed_at__lt=end)


class CrimeReport(models.Model):
    """A police report of an offence (anmälan), owned by one police agency."""

    # How far ahead of the server clock an offence time may be (clock skew on phones).
    FUTURE_TOLERANCE = dt.timedelta(minutes=5)

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="crime_reports", verbose_name=_("agency")
    )
    collaboration = models.ForeignKey(
        Collaboration,
        on_delete=models.PROTECT,
        related_name="crime_reports",
        verbose_name=_("collaboration"),
    )
    case_number = models.CharField(
        _("case number"), max_length=24, validators=[validate_case_number]
    )
    offence = models.ForeignKey(
        Offence, on_delete=models.PROTECT, related_name="crime_reports", verbose_name=_("offence")
    )
    committed_at = models.DateTimeField(_("time of the offence"))
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crime_reports",
        verbose_name=_("venue"),
    )
    shift = models.ForeignKey(
        Shift,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crime_reports",
        verbose_name=_("shift"),
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=CrimeReportStatus.choices,
        default=CrimeReportStatus.REGISTERED,
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    narrative = models.TextField(_("what happened"), blank=True, max_length=10_000)
    # BrB 6:9 only.
    buyer_aware_of_age = models.CharField(
        _("buyer aware of the child's age"), max_length=8, choices=AgeAwareness.choices, blank=True
    )
    awareness_basis = models.TextField(
        _("basis for the assessment of awareness"), blank=True, max_length=2000
    )
    # BrB 4:1 a only.
    trafficking_purpose = models.CharField(
        _("purpose of the trafficking"),
        max_length=20,
        choices=TraffickingPurpose.choices,
        blank=True,
    )
    trafficking_victim_age = models.CharField(
        _("age of the victim"), max_length=16, choices=AgeBand.choices, blank=True
    )
    created_by = user_reference(_("registered by"))
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    objects = CrimeReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("crime report")
        verbose_name_plural = _("crime reports")
        ordering = ["-committed_at", "-pk"]
        indexes = [
            models.Index(fields=["agency", "committed_at"]),
            # The results statistics count offences in a period, across agencies.
            models.Index(fields=["committed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "case_number"], name="crime_report_case_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def offence_label(self) -> str:
        """The offence as it was called when it was committed, e.g. "köp av sexuell tjänst (BrB 6:11)".

        (Prefetch ``offence__names`` for a list.)
        """
        return self.offence.label_on(timezone.localdate(self.committed_at))

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.committed_at is not None:
            if self.committed_at > timezone.now() + self.FUTURE_TOLERANCE:
                errors["committed_at"] = _("The time of the offence cannot be in the future.")
            elif self.offence_id is not None and not self.offence.is_valid_on(
                timezone.localdate(self.committed_at)
            ):
                errors["offence"] = _("This offence was not in force at the time of the offence.")
        if self.offence_id is not None:
            errors.update(self._offence_specific_errors())
        if self.venue is not None and self.venue.collaboration_id != self.collaboration_id:
            errors["venue"] = _("The venue belongs to another collaboration.")
        if self.shift is not None and self.shift.collaboration_id != self.collaboration_id:
            errors["shift"] = _("The shift belongs to another collaboration.")
        if errors:
            raise ValidationError(errors)

    def _offence_specific_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if self.offence.child_victim:
            if not self.buyer_aware_of_age:
                errors["buyer_aware_of_age"] = _(
                    "For a purchase of a sexual act from a child, say whether the buyer was aware "
                    "of the child's age."
                )
        elif self.buyer_aware_of_age or self.awareness_basis:
            errors["buyer_aware_of_age"] = _(
                "The buyer's awareness of the age is recorded only for a purchase of a sexual "
                "act from a child (BrB 6:9)."
            )
        if self.offence.human_trafficking:
            if not self.trafficking_purpose:
                errors["trafficking_purpose"] = _("Choose the purpose of the trafficking.")
            if not self.trafficking_victim_age:
                errors["trafficking_victim_age"] = _("Choose the age of the victim.")
        elif self.trafficking_purpose or self.trafficking_victim_age:
            errors["trafficking_purpose"] = _(
                "Purpose and age of the victim are recorded only for human trafficking."
            )
        return errors

    @property
    def next_statuses(self) -> list[CrimeReportStatus]:
        return [CrimeReportStatus(s) for s in STATUS_TRANSITIONS.get(self.status, ())]

    @property
    def is_open(self) -> bool:
        return self.status in STATUS_TRANSITIONS

    def can_become(self, status: str) -> bool:
        return status in STATUS_TRANSITIONS.get(self.status, ())


# --- Suspects -------------------------------------------------------------------


class SuspectRole(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    ORGANISER = "organiser", _("Organiser")
    OTHER = "other", _("Other")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def person_key_for(*, personnummer: str, name: str, birth_date: dt.date) -> str:
    """One key per person, so that a person in several reports counts once.

    The normalised personnummer when there is one; otherwise the normalised
    name with the birth date (a weaker key: spelling variants stay apart).
    """
    if personnummer:
        return f"pnr:{personnummer}"
    return f"name:{normalise_key(name)}|{birth_date.isoformat()}"


# Under 18 at the offence (``samverkan.lib.age``), for filters and conditional aggregates.
MINOR_AT_OFFENCE = Q(age_at_offence__lt=ADULT_AGE)


class SuspectQuerySet(DisclosableQuerySet["Suspect"]):
    record_type = RecordType.SUSPECT
    agency_path = "crime_report__agency"

    def of_sex_purchase(self) -> SuspectQuerySet:
        return self.filter(crime_report__offence__counts_as_sex_purchase=True)

    def committed_between(self, start: dt.datetime, end: dt.datetime) -> SuspectQuerySet:
        return self.filter(
            crime_report__committed_at__gte=start, crime_report__committed_at__lt=end
        )

    def minors(self) -> SuspectQuerySet:
        return self.filter(MINOR_AT_OFFENCE)

    def person_count(self) -> int:
        """Distinct persons, not suspect records (DESIGN.md §5)."""
        return self.values("person_key").distinct().count()


class Suspect(models.Model):
    """A person suspected of the offence in a crime report."""

    crime_report = models.ForeignKey(
        CrimeReport,
        on_delete=models.CASCADE,
        related_name="suspects",
        verbose_name=_("crime report"),
    )
    name = models.CharField(_("name"), max_length=200)
    # Twelve digits, YYYYMMDDNNNN (a samordningsnummer keeps its day + 60); blank when
    # the person has none or it is not known.
    personnummer = models.CharField(_("personal identity number"), max_length=12, blank=True)
    birth_date = models.DateField(_("date of birth"))
    person_key = models.CharField(max_length=255, db_index=True, editable=False)
    # Frozen when the suspect is registered: the age the case was handled under,
    # and the age the published statistics counted. A later correction of the
    # birth date does not move it (see ``do_correct_suspect_identity``).
    age_at_offence = models.PositiveSmallIntegerField(_("age at the offence"), editable=False)
    role = models.CharField(_("role"), max_length=16, choices=SuspectRole.choices)
    # The person as met on a shift, if they were.
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspects",
        verbose_name=_("encounter"),
    )
    child_concern_report = models.ForeignKey(
        ChildConcernReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("child-concern report"),
    )
    created_by = user_reference(_("registered by"))
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    objects = SuspectQuerySet.as_manager()

    class Meta:
        verbose_name = _("suspect")
        verbose_name_plural = _("suspects")
        ordering = ["crime_report", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["crime_report", "person_key"], name="suspect_once_per_report"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_minor_at_offence(self) -> bool:
        return is_minor(self.age_at_offence)

    @property
    def personnummer_display(self) -> str:
        p = self.personnummer
        return f"{p[:8]}-{p[8:]}" if len(p) == 12 else p

    def age_by_birth_date(self) -> int:
        """The age that the current birth date gives, which may differ after a correction."""
        return age_on(self.birth_date, timezone.localdate(self.crime_report.committed_at))


class SuspectConsentGiver(models.TextChoices):
    SUSPECT = "suspect", _("The suspect")
    GUARDIAN = "guardian", _("A guardian")


class SuspectConsentQuerySet(RestrictedQuerySet["SuspectConsent"]):
    record_type = RecordType.SUSPECT
    agency_path = "suspect__crime_report__agency"

    def in_force_at(self, at: dt.datetime) -> SuspectConsentQuerySet:
        """Given by the day of ``at`` and not withdrawn by then."""
        return self.filter(given_on__lte=timezone.localdate(at)).filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at)
        )


class SuspectConsent(models.Model):
    """The suspect's consent that the police tell social services about them (OSL 12 kap. 2 §).

    E.g. a buyer who agrees that KAST, or the social services, may contact
    them. The disclosure gate checks it for the consent basis in the police's
    direction. A withdrawn consent stays on record.
    """

    suspect = models.ForeignKey(
        Suspect, on_delete=models.CASCADE, related_name="consents", verbose_name=_("suspect")
    )
    given_by = models.CharField(_("given by"), max_length=16, choices=SuspectConsentGiver.choices)
    given_on = models.DateField(_("given"))
    detail = models.CharField(_("details"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    withdrawn_by = user_reference(_("withdrawal recorded by"), optional=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = SuspectConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent to inform social services")
        verbose_name_plural = _("consents to inform social services")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_given_by_display()} {self.given_on:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


# --- Parties --------------------------------------------------------------------


class PartyKind(models.TextChoices):
    INJURED_PARTY = "injured_party", _("Injured party")
    WITNESS = "witness", _("Witness")


class CrimeReportPartyQuerySet(RestrictedQuerySet["CrimeReportParty"]):
    """Parties of the reports the police agency owns. A disclosed report's parties reach
    social services only as a field of the report's projection (``investigations.disclosure``)."""

    record_type = RecordType.CRIME_REPORT
    agency_path = "crime_report__agency"


class CrimeReportParty(models.Model):
    """An injured party or witness: a reference to an encounter, never an identity."""

    crime_report = models.ForeignKey(
        CrimeReport,
        on_delete=models.CASCADE,
        related_name="parties",
        verbose_name=_("crime report"),
    )
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        related_name="crime_report_parties",
        verbose_name=_("encounter"),
    )
    kind = models.CharField(_("party"), max_length=16, choices=PartyKind.choices)
    created_by = user_reference(_("added by"))
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    objects = CrimeReportPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party to a crime report")
        verbose_name_plural = _("parties to crime reports")
        ordering = ["crime_report", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["crime_report", "encounter"], name="party_once_per_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.encounter}"
