"""Disclosures (utlämnanden efter sekretessprövning) between the two agencies.

Two controllers, never one register (DESIGN.md §6): a record stays in its
owner's partition. A disclosure copies nothing; it records what was asked,
what the owner decided and on which legal basis, and — once the requester has
accepted it, or at once for a disclosure made orally in the field — it lets
the requester's agency read the granted fields of the owner's record through
the same ``visible_to`` gate as everything else (``access.granted_fields``,
registered as the policy's disclosure provider).

The requester names a record it cannot see: by an encounter both agencies
see, or by a police case number. Only the owner resolves that to a record,
when deciding; until then the requester learns nothing of its existence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency, Collaboration, user_reference
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.legal.models import LegalBasis, Offence
from samverkan.legal.provisions import Direction
from samverkan.operations.models import ChildConcernReport, Encounter


class DisclosureStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved, waiting for acceptance")
    REFUSED = "refused", _("Refused")
    ACCEPTED = "accepted", _("Delivered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RefusalKind(models.TextChoices):
    NO_RECORD = "no_record", _("No record to disclose")
    NO_BASIS = "no_basis", _("Secrecy applies: no legal basis allows the disclosure")
    OTHER = "other", _("Other reason")


class Reach(models.TextChoices):
    """Who in the receiving agency a delivered disclosure reaches (need-to-know)."""

    PERSONS = "persons", _("The named persons")
    UNIT = "unit", _("The requester's unit")
    # Only for an identity handed over with a child-concern report: the report is addressed to
    # the social-services agency, and whoever handles it must know who the child is.
    AGENCY = "agency", _("The agency that handles the child-concern report")


OPEN_STATUSES = (DisclosureStatus.REQUESTED, DisclosureStatus.APPROVED)
# How long a grant holds unless the owner says otherwise, and at most.
DEFAULT_PERIOD = dt.timedelta(days=90)
MAX_PERIOD = dt.timedelta(days=365)


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> DisclosureQuerySet:
        """A disclosure belongs to the two agencies involved, and to nobody else."""
        if user_scope(user, RecordType.DISCLOSURE, action) is not Scope.OWN_AGENCY:
            return self.none()
        agency = user.agency
        return self.filter(Q(requesting_agency=agency) | Q(owning_agency=agency))

    def received_by(self, agency: Agency) -> DisclosureQuerySet:
        """Requests to ``agency`` and disclosures it made: the inbox."""
        return self.filter(owning_agency=agency)

    def sent_by(self, agency: Agency) -> DisclosureQuerySet:
        """``agency``'s requests and what was disclosed to it: the outbox."""
        return self.filter(requesting_agency=agency)

    def delivered(self) -> DisclosureQuerySet:
        return self.filter(status=DisclosureStatus.ACCEPTED, record_id__isnull=False)

    def current(self, on: dt.date) -> DisclosureQuerySet:
        """Grants whose period includes the day ``on``; after it they lapse."""
        return self.filter(valid_until__gte=on)

    def reaching(self, user: Any) -> DisclosureQuerySet:
        """Disclosures to the user's agency that reach the user: named, of the unit, or the
        agency for a child-concern report. Everyone else of the agency is reached by none."""
        membership = getattr(user, "membership", None)
        if membership is None:
            return self.none()
        who = Q(reach=Reach.AGENCY) | Q(reach=Reach.PERSONS, recipients=user)
        if membership.unit:
            who |= Q(reach=Reach.UNIT, granted_unit=membership.unit)
        return self.filter(who, requesting_agency_id=membership.agency_id)


class Disclosure(models.Model):
    """A request for, decision on, and delivery of a disclosure of one record's fields."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.PROTECT, related_name="+", verbose_name=_("collaboration")
    )
    # The recipient: the agency that asked (or, for an oral disclosure, was told).
    requesting_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="disclosures_requested",
        verbose_name=_("requesting agency"),
    )
    owning_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="disclosures_owned",
        verbose_name=_("owning agency"),
    )
    record_type = models.CharField(_("record"), max_length=32, choices=RecordType.choices)
    # How the requester named the record it cannot see.
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("encounter"),
    )
    case_number = models.CharField(_("case number"), max_length=24, blank=True)
    # The owner's record, chosen by the owner when deciding (at once, if oral).
    record_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    fields_requested = models.JSONField(_("fields asked for"), default=list)
    fields_granted = models.JSONField(_("fields granted"), default=list, blank=True)
    purpose = models.TextField(_("purpose"), max_length=2000)
    # The suspected offence the disclosure concerns (social services to the police).
    offence = models.ForeignKey(
        Offence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suspected offence"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.REQUESTED,
    )
    requested_by = user_reference(_("requested by"), optional=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    legal_basis = models.ForeignKey(
        LegalBasis,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("legal basis"),
    )
    assessment = models.TextField(_("secrecy assessment"), max_length=4000, blank=True)
    refusal_kind = models.CharField(
        _("reason for refusing"), max_length=16, choices=RefusalKind.choices, blank=True
    )
    refusal_reason = models.TextField(_("explanation"), max_length=2000, blank=True)
    decided_by = user_reference(_("decided by"), optional=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    accepted_by = user_reference(_("accepted by"), optional=True)
    accepted_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    withdrawn_by = user_reference(_("withdrawn by"), optional=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # Said in the field and recorded afterwards by the disclosing agency.
    made_orally = models.BooleanField(_("made orally"), default=False)
    occurred_at = models.DateTimeField(_("disclosed orally at"), null=True, blank=True)
    recipient_name = models.CharField(_("told to"), max_length=200, blank=True)
    # Need-to-know: who in the requesting agency the grant reaches, and until which day.
    # The requester and the colleagues they name (on the same case), narrowed by the owner.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("granted to")
    )
    reach = models.CharField(
        _("reaches"), max_length=16, choices=Reach.choices, default=Reach.PERSONS
    )
    # The requester's unit (``Membership.unit``) when the owner grants it to the unit.
    granted_unit = models.CharField(_("unit"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Handed over with this child-concern report under the duty to report, unasked.
    concern_report = models.ForeignKey(
        ChildConcernReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with the child-concern report"),
    )

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["requesting_agency", "record_type", "status"]),
            models.Index(fields=["owning_agency", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_agency=models.F("owning_agency")),
                name="disclosure_between_two_agencies",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "accepted"])
                | (
                    Q(record_id__isnull=False)
                    & Q(legal_basis__isnull=False)
                    & Q(decided_at__isnull=False)
                ),
                name="disclosure_approved_with_basis",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_kind=""),
                name="disclosure_refused_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "accepted"]) | Q(valid_until__isnull=False),
                name="disclosure_granted_for_a_period",
            ),
            models.CheckConstraint(
                condition=~Q(reach="unit") | ~Q(granted_unit=""),
                name="disclosure_unit_named",
            ),
            models.CheckConstraint(
                condition=Q(made_orally=False) | Q(occurred_at__isnull=False),
                name="disclosure_oral_with_time",
            ),
            models.CheckConstraint(
                condition=Q(made_orally=True)
                | Q(encounter__isnull=False)
                | ~Q(case_number="")
                | Q(concern_report__isnull=False),
                name="disclosure_request_names_a_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} ({self.get_status_display()})"

    @property
    def direction(self) -> Direction:
        if self.owning_agency.is_police:
            return Direction.TO_SOCIAL_SERVICES
        return Direction.TO_POLICE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def can_be_decided(self) -> bool:
        return self.status == DisclosureStatus.REQUESTED

    @property
    def can_be_accepted(self) -> bool:
        return self.status == DisclosureStatus.APPROVED

    def is_current(self, on: dt.date | None = None) -> bool:
        """Whether the grant holds on ``on`` (today): delivered, and its period not over."""
        day = on or timezone.localdate()
        return (
            self.status == DisclosureStatus.ACCEPTED
            and self.valid_until is not None
            and day <= self.valid_until
        )

    @property
    def has_lapsed(self) -> bool:
        return (
            self.status == DisclosureStatus.ACCEPTED
            and self.valid_until is not None
            and timezone.localdate() > self.valid_until
        )

    @property
    def can_be_withdrawn(self) -> bool:
        return self.status in OPEN_STATUSES and not self.made_orally
