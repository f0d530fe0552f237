"""Operations, joint shifts, venues, encounters and child-concern reports.

These are the shared, minimal facts of a collaboration: both agencies plan
and run shifts, and both record whom they met — by role and age band only,
never by identity. Identities live in each agency's own records (``support``
for social services, ``investigations`` for the police) and link back here.

A child-concern report (orosanmälan) is filed here, in the same transaction
as the encounter or suspect that shows a minor; social services' handling of
it is their own record in ``support``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import Agency, AgencyKind, Area, Collaboration, Role
from samverkan.accounts.policy import RecordType, goes_out_in_field
from samverkan.lib.places import venue_key


def normalise_key(*parts: str) -> str:
    """Case-, accent- and punctuation-insensitive key, so a venue is found again."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def start_margin() -> dt.timedelta:
    """How long before its planned start a shift can be started (and staff check in)."""
    return dt.timedelta(hours=settings.SAMVERKAN_SHIFT_START_MARGIN_HOURS)


def late_entry_limit() -> dt.timedelta:
    """How long after a shift's end its staff can still record what happened on it."""
    return dt.timedelta(hours=settings.SAMVERKAN_LATE_ENTRY_HOURS)


def entry_edit_limit() -> dt.timedelta:
    """How long after recording it the author can still change an encounter's or a visit's time."""
    return dt.timedelta(hours=settings.SAMVERKAN_ENTRY_EDIT_HOURS)


class OperationKind(models.TextChoices):
    JOINT = "joint", _("Joint (police and social services)")
    # The police's own targeted operations: their shifts need only police staff and
    # are never counted as joint shifts.
    POLICE = "police", _("The police's own targeted operation")


class OperationQuerySet(RestrictedQuerySet["Operation"]):
    """Operations are planned and read with the collaboration's shifts."""

    record_type = RecordType.SHIFT


# A shift of the police's own operation is not a joint shift (the results' "joint shifts").
JOINT_SHIFT = Q(operation__isnull=True) | ~Q(operation__kind=OperationKind.POLICE)


class Operation(models.Model):
    """A named campaign (insats): joint, or the police's own (e.g. the police operation Torsk)."""

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="operations", verbose_name=_("collaboration"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OperationKind.choices, default=OperationKind.JOINT, db_default=OperationKind.JOINT)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    objects = OperationQuerySet.as_manager()

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["collaboration", "name"], name="operation_name_unique")]

    def __str__(self) -> str:
        return self.name


class VenueKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    SHORT_TERM_RENTAL = "short_term_rental", _("Short-term rental")
    MASSAGE_PARLOUR = "massage_parlour", _("Massage parlour")
    STREET = "street", _("Street")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class VenueQuerySet(RestrictedQuerySet["Venue"]):
    record_type = RecordType.VENUE

    def search(self, text: str) -> VenueQuerySet:
        key = normalise_key(text)
        if not key:
            return self
        query = Q()
        for word in key.split():
            # The key holds the name and the street; the city after the comma is in the address.
            query &= Q(search_key__contains=word) | Q(address__icontains=word)
        return self.filter(query)


class Venue(models.Model):
    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="venues", verbose_name=_("collaboration"))
    kind = models.CharField(_("kind"), max_length=32, choices=VenueKind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address or web address"), max_length=300, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="venues", verbose_name=_("area"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # name + street address by the one rule for places (lib.places.venue_key); unique per kind
    # within a collaboration, so the same venue typed again is found again.
    search_key = models.CharField(max_length=520, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["collaboration", "kind", "search_key"], name="venue_found_again"),
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="venue_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180), name="venue_longitude_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.address}" if self.address else self.name

    def compute_search_key(self) -> str:
        return venue_key(self.name, self.address)


class ShiftBasis(models.TextChoices):
    OUTREACH = "outreach", _("Outreach")
    INTELLIGENCE = "intelligence", _("Intelligence")
    TIP = "tip", _("Tip")


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftQuerySet(RestrictedQuerySet["Shift"]):
    record_type = RecordType.SHIFT

    def completed(self) -> ShiftQuerySet:
        return self.filter(status=ShiftStatus.COMPLETED)

    def joint(self) -> ShiftQuerySet:
        """Shifts of the collaboration, not of the police's own targeted operations."""
        return self.filter(JOINT_SHIFT)

    def starting_between(self, start: dt.datetime, end: dt.datetime) -> ShiftQuerySet:
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class Shift(models.Model):
    """A joint shift (samverkanspass): a police officer and a social worker out together."""

    MAX_LENGTH = dt.timedelta(hours=24)

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("collaboration"))
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, null=True, blank=True, related_name="shifts", verbose_name=_("operation"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("area"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    basis = models.CharField(_("basis"), max_length=16, choices=ShiftBasis.choices)
    status = models.CharField(_("status"), max_length=16, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED)
    planned_venues = models.ManyToManyField(Venue, blank=True, related_name="planned_shifts", verbose_name=_("planned venues"))
    briefing = models.TextField(_("briefing"), blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["collaboration", "status", "starts_at"]),
            # The results statistics count a period across all collaborations.
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{local:%Y-%m-%d %H:%M} {self.area.name}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": _("The shift must end after it starts.")})
            if self.ends_at - self.starts_at > self.MAX_LENGTH:
                raise ValidationError({"ends_at": _("A shift cannot be longer than 24 hours.")})
        if self.area_id and self.starts_at and not self.area.is_valid_on(timezone.localdate(self.starts_at)):
            raise ValidationError({"area": _("The area was not in use on the shift's date.")})

    @property
    def is_open_for_encounters(self) -> bool:
        return self.status == ShiftStatus.ONGOING

    @property
    def is_joint(self) -> bool:
        """A joint shift needs both agencies; a shift of the police's own operation only the police."""
        return self.operation is None or self.operation.kind != OperationKind.POLICE

    def earliest_start(self) -> dt.datetime:
        return self.starts_at - start_margin()

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """When what happened on the shift can have happened: the planned time, widened by the margin."""
        margin = start_margin()
        return self.starts_at - margin, self.ends_at + margin

    def entry_deadline(self) -> dt.datetime:
        """Until when the staff can record encounters and visits after the shift."""
        end = max(self.ends_at, self.completed_at or self.ends_at)
        return end + late_entry_limit()

    def required_agencies(self) -> list[Agency]:
        """The agencies whose field staff must check in before the shift can be completed."""
        agencies = list(self.collaboration.agencies.order_by("kind", "name"))
        if not self.is_joint:
            agencies = [a for a in agencies if a.kind == AgencyKind.POLICE]
        return agencies

    def missing_agencies(self) -> list[Agency]:
        """The required agencies with no field staff checked in yet."""
        present = {
            p.agency_id
            for p in self.participants.select_related("agency").filter(checked_in_at__isnull=False)
            if p.is_field_staff
        }
        return [a for a in self.required_agencies() if a.pk not in present]

    def can_complete(self) -> bool:
        return not self.missing_agencies()


class ShiftParticipant(models.Model):
    """A staff member on a shift: their agency and role when staffed, and when they were there."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="participants", verbose_name=_("shift"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shift_participations", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True, db_default="")
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="participant_once"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False, checked_out_at__gte=models.F("checked_in_at")),
                name="participant_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_field_staff(self) -> bool:
        return goes_out_in_field(self.role, self.agency)

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None and self.checked_out_at is None


class ShiftLogEntry(models.Model):
    """The shift's running log: what happened, when, written by whom. No identities."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="log_entries", verbose_name=_("shift"))
    written_at = models.DateTimeField(_("time"), default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    text = models.TextField(_("entry"), max_length=2000)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"{self.written_at:%H:%M} {self.text[:40]}"


class CorrectedRecord(models.TextChoices):
    SHIFT = "shift", _("Shift times")
    ENCOUNTER = "encounter", _("Encounter")
    VENUE_VISIT = "venue_visit", _("Venue visit")


class ShiftCorrection(models.Model):
    """A change made after the fact to a shift's times, or to an encounter or visit on it.

    Shown on the shift page beside the audit event, so that a figure resting on a
    corrected time can be seen to do so: what changed from what to what, by whom, why.
    """

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("shift"))
    record = models.CharField(_("what"), max_length=16, choices=CorrectedRecord.choices)
    record_id = models.PositiveBigIntegerField(_("record"))
    # {field: [before, after]}, times as ISO 8601 strings.
    changes = models.JSONField(_("changes"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    made_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_record_display()} #{self.record_id} {timezone.localtime(self.made_at):%Y-%m-%d %H:%M}"

    def lines(self) -> list[tuple[str, str, str]]:
        """Each change as (field label, before, after), as the shift page shows it."""
        model = {CorrectedRecord.SHIFT: Shift, CorrectedRecord.ENCOUNTER: Encounter, CorrectedRecord.VENUE_VISIT: VenueVisit}[
            CorrectedRecord(self.record)
        ]

        def shown(name: str, value: object) -> str:
            if value in (None, ""):
                return "–"
            if name == "outcome":
                return str(VisitOutcome(str(value)).label) if value in VisitOutcome.values else str(value)
            if name.endswith("_at"):
                return f"{timezone.localtime(dt.datetime.fromisoformat(str(value))):%Y-%m-%d %H:%M}"
            return str(value)

        def label(name: str) -> str:
            field = model._meta.get_field(name)
            return str(field.verbose_name) if isinstance(field, models.Field) else name

        return [(label(name), shown(name, before), shown(name, after)) for name, (before, after) in self.changes.items()]


class EncounterRole(models.TextChoices):
    EXPLOITED = "exploited", _("Person in prostitution")
    BUYER = "buyer", _("Buyer")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    ADULT = "adult", _("18 or over")
    UNCERTAIN = "uncertain", _("Uncertain")


# Presumption of childhood (``samverkan.lib.age.presumed_minor``): an uncertain age counts as a minor.
MINOR_AGE_BANDS = (AgeBand.UNDER_18, AgeBand.UNCERTAIN)
POSSIBLE_MINOR = Q(age_band__in=MINOR_AGE_BANDS)


class EncounterQuerySet(RestrictedQuerySet["Encounter"]):
    record_type = RecordType.ENCOUNTER

    def possible_minors(self) -> EncounterQuerySet:
        return self.filter(POSSIBLE_MINOR)


class Encounter(models.Model):
    """A person met on a shift: role, age band, venue, time — and nothing that identifies them."""

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="encounters", verbose_name=_("collaboration"))
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="encounters", verbose_name=_("shift"))
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="encounters", verbose_name=_("venue"))
    role = models.CharField(_("role"), max_length=16, choices=EncounterRole.choices)
    age_band = models.CharField(_("age"), max_length=16, choices=AgeBand.choices)
    occurred_at = models.DateTimeField(_("time"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorder_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by agency"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    # Generated by the form; a retried or double-tapped submission finds the first one.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = EncounterQuerySet.as_manager()

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["collaboration", "occurred_at"]),
            # The results statistics count persons met in a role in a period, across collaborations.
            models.Index(fields=["role", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.get_age_band_display()}) {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """Time, role, age band and venue: how a person met is named in a list of choices."""
        local = timezone.localtime(self.occurred_at)
        return (
            f"{local:%Y-%m-%d %H:%M}: {self.get_role_display()}, "
            f"{self.get_age_band_display()}, {self.venue.name}"
        )

    @property
    def is_possible_minor(self) -> bool:
        return self.age_band in MINOR_AGE_BANDS


class VisitOutcome(models.TextChoices):
    CLOSED = "closed", _("Closed, no one there")
    NOTHING_FOUND = "nothing_found", _("Nothing found")
    PERSONS_MET = "persons_met", _("Persons met")
    REFUSED_ENTRY = "refused_entry", _("Refused entry")
    OTHER = "other", _("Other")


class VenueVisitQuerySet(RestrictedQuerySet["VenueVisit"]):
    record_type = RecordType.SHIFT
    collaboration_path = "shift__collaboration"


class VenueVisit(models.Model):
    """A visit to a venue during a shift: when the staff arrived and left, and what they found."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="venue_visits", verbose_name=_("shift"))
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="visits", verbose_name=_("venue"))
    arrived_at = models.DateTimeField(_("arrived"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorder_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by agency"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    # Generated by the form, as for encounters: a double tap records one visit.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = VenueVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue visit")
        verbose_name_plural = _("venue visits")
        ordering = ["-arrived_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("arrived_at")), name="visit_left_after_arrival"),
        ]

    def __str__(self) -> str:
        return f"{self.venue.name} {timezone.localtime(self.arrived_at):%Y-%m-%d %H:%M} ({self.get_outcome_display()})"


class ConcernSubject(models.TextChoices):
    EXPLOITED = "exploited", _("Child in prostitution")
    BUYER = "buyer", _("Child who bought or tried to buy sex")


class ChildConcernReportQuerySet(RestrictedQuerySet["ChildConcernReport"]):
    record_type = RecordType.CHILD_CONCERN_REPORT
    agency_path = "addressed_to"


class ChildConcernReport(models.Model):
    """Orosanmälan: a report of concern for a child, addressed to social services.

    This is the filed report, shared between the agency that filed it and the
    one it is addressed to: who, when, about which encounter, and what
    happened. How social services handle it (the protection assessment, the
    decision, the investigation, the closure, and the deadlines that follow
    from them) is their own record, ``support.ConcernHandling``, which the
    police never see.
    """

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="concern_reports", verbose_name=_("collaboration"))
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="concern_reports", verbose_name=_("encounter"))
    subject = models.CharField(_("concerning"), max_length=16, choices=ConcernSubject.choices)
    reporter_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by agency"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by"))
    addressed_to = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="concern_reports_received", verbose_name=_("addressed to"))
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    summary = models.TextField(_("what happened"), blank=True)
    guardians_to_notify = models.BooleanField(_("guardians must be notified"), default=False)

    objects = ChildConcernReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("child-concern report")
        verbose_name_plural = _("child-concern reports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Child-concern report')} #{self.pk} ({timezone.localtime(self.created_at):%Y-%m-%d})"
