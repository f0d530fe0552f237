"""Retention rules (dated reference data), their exemptions, and legal holds.

A rule says, for one kind of agency and one record type, how long a record is
kept, from which date that time runs, and what happens then (``Disposal``).
Rules are dated like the law they follow (``valid_from``/``valid_to``); the one
in force on the day a purge runs for decides. Every rule and exemption names
its source, as the project understands the law, for the agency's archivist to
confirm (``confirmed_by_archivist`` stays false until they have).

A legal hold keeps one record, and what it needs, through every purge until
it is lifted; it is set and lifted by the record's own agency, with a reason,
both audited (``retention.actions``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency, AgencyKind
from samverkan.accounts.policy import RecordType
from samverkan.legal.models import DatedQuerySet


class Disposal(models.TextChoices):
    DELETE = "delete", _("Delete")
    ANONYMISE = "anonymise", _("Anonymise")
    KEEP = "keep", _("Keep")


class RunsFrom(models.TextChoices):
    LAST_ENTRY = "last_entry", _("The last entry in the client's file")
    CLOSED = "closed", _("The record's closing")
    CRIME_REPORT_CLOSED = "crime_report_closed", _("The closing of the crime report")
    LAST_USE = "last_use", _("The record's last use")
    OWNER = "owner", _("Goes with the record it names")
    NEVER = "never", _("Not purged")


class RuleQuerySet(DatedQuerySet["RetentionRule"]):
    """``valid_on(day)``: the rules in force on that day."""


def record_type_label(record_type: str) -> str:
    """A rule's record type in the user's language: the policy's record types, and the parts
    of a record with a rule of their own (a client's consents, an import's log)."""
    parts = {"consent": _("Consent"), "intel_import": _("Imports' logs of skipped records")}
    if record_type in parts:
        return str(parts[record_type])
    if record_type in RecordType.values:
        return str(RecordType(record_type).label)
    return record_type


class RetentionRule(models.Model):
    agency_kind = models.CharField(_("kind of agency"), max_length=32, choices=AgencyKind.choices)
    record_type = models.CharField(_("record type"), max_length=32, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField(_("years"), null=True, blank=True)
    runs_from = models.CharField(_("counted from"), max_length=32, choices=RunsFrom.choices)
    disposal = models.CharField(_("then"), max_length=16, choices=Disposal.choices)
    source = models.CharField(_("source"), max_length=500)
    confirmed_by_archivist = models.BooleanField(_("confirmed by the archivist"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["agency_kind", "record_type", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_kind", "record_type", "valid_from"], name="retention_rule_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(disposal="keep") | Q(years__isnull=False), name="retention_rule_purge_has_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_kind} {self.record_type}: {self.disposal} after {self.years} years"

    @property
    def record_label(self) -> str:
        """The record type in the user's language, also for a part of a record (a consent)."""
        return record_type_label(self.record_type)

    def expiry_cutoff(self, as_of: dt.date) -> dt.date | None:
        """Records whose time runs from before this day have expired on ``as_of``."""
        if self.disposal == Disposal.KEEP or self.years is None:
            return None
        try:
            return as_of.replace(year=as_of.year - self.years)
        except ValueError:  # 29 February
            return as_of.replace(year=as_of.year - self.years, day=28)


class ExemptionKind(models.TextChoices):
    BORN_ON_DAYS = "born_on_days", _("Persons born on these days of a month")


class ExemptionQuerySet(DatedQuerySet["RetentionExemption"]):
    """``valid_on(day)``: the exemptions in force on that day."""


class RetentionExemption(models.Model):
    """A rule that keeps some records a rule would purge (e.g. an archive's research sample)."""

    agency_kind = models.CharField(_("kind of agency"), max_length=32, choices=AgencyKind.choices)
    record_type = models.CharField(_("record type"), max_length=32, choices=RecordType.choices)
    kind = models.CharField(_("exemption"), max_length=32, choices=ExemptionKind.choices)
    # For ``BORN_ON_DAYS``: the days of the month, e.g. [5, 15, 25].
    days = models.JSONField(_("days"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=500)
    confirmed_by_archivist = models.BooleanField(_("confirmed by the archivist"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ExemptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention exemption")
        verbose_name_plural = _("retention exemptions")
        ordering = ["agency_kind", "record_type", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_kind", "record_type", "kind", "valid_from"], name="retention_exemption_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_kind} {self.record_type}: {self.kind} {self.days}"

    def keeps_birth_date(self, born: dt.date | None) -> bool:
        return self.kind == ExemptionKind.BORN_ON_DAYS and born is not None and born.day in set(self.days)


class LegalHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(lifted_at__isnull=True)

    def held_ids(self, record_type: str) -> set[int]:
        return set(self.active().filter(record_type=record_type).values_list("record_id", flat=True))


class LegalHold(models.Model):
    """Keeps one record, and what it needs, through every purge until lifted."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    record_type = models.CharField(_("record type"), max_length=32, choices=RecordType.choices)
    record_id = models.BigIntegerField(_("record"))
    reason = models.CharField(_("reason"), max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lift_reason = models.CharField(_("why it was lifted"), max_length=500, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=Q(lifted_at__isnull=True),
                name="legal_hold_one_active_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"hold on {self.record_type}:{self.record_id}"
