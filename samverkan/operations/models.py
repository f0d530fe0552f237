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
from samverkan.accounts.models import Agency, AgencyKind, Area, Collaboration
from samverkan.accounts.policy import RecordType


def normalise_key(*parts: str) -> str:
    """Case-, accent- and punctuation-insensitive key, so a venue is found again."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


class OperationQuerySet(RestrictedQuerySet["Operation"]):
    """Operations are planned and read with the collaboration's shifts."""

    record_type = RecordType.SHIFT


class OperationKind(models.TextChoices):
    """Whether an operation's shifts are joint shifts of the collaboration or the police's own."""

    JOINT = "joint", _("Joint (police and social services)")
    POLICE = "police", _("The police's own operation")


# A shift of the police's own operation is not a joint shift (the results' "joint shifts").
JOINT_SHIFT = Q(operation__isnull=True) | ~Q(operation__kind=OperationKind.POLICE)


class Operation(models.Model):
    """A named campaign (insats): joint, or the police's own (e.g. the police operation Torsk)."""

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="operations", verbose_name=_("collaboration"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind of operation"), max_length=16, choices=OperationKind.choices, default=OperationKind.JOINT,
        help_text=_("The shifts of the police's own operations are not counted as joint shifts."),
    )
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
            query &= Q(search_key__contains=word)
        return self.filter(query)


class Venue(models.Model):
    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="venues", verbose_name=_("collaboration"))
    kind = models.CharField(_("kind"), max_length=32, choices=VenueKind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address or web address"), max_length=300, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="venues", verbose_name=_("area"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # name + address normalised; unique per kind within a collaboration.
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
        return normalise_key(self.name, self.address)


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

    def staffing(self) -> set[str]:
        """Agency kinds among the participants."""
        return set(self.participants.values_list("agency__kind", flat=True))

    def can_complete(self) -> bool:
        kinds = self.staffing()
        return AgencyKind.POLICE in kinds and AgencyKind.SOCIAL_SERVICES in kinds


class ShiftParticipant(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="participants", verbose_name=_("shift"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shift_participations", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="participant_once")]

    def __str__(self) -> str:
        return str(self.user)


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
