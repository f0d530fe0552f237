"""Dated legal reference data: offences, legal bases for disclosures, minimum penalties.

Names and conditions change with the law, so every row carries its period
(DESIGN.md §6): when the law changes, the old row gets ``valid_to`` and a new
row is added; records keep the row that was in force when they were made.
Seeded by ``reference.py`` in a migration, and again after a flushed test
database. Knows no other app.
"""

from __future__ import annotations

import datetime as dt
from typing import Self, TypeVar

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.legal.provisions import BasisRule, Concerns, Direction

_M = TypeVar("_M", bound=models.Model)


class DatedQuerySet(models.QuerySet[_M]):
    """Rows with a ``valid_from`` and ``valid_to``; ``None`` leaves that end open."""

    def valid_on(self, day: dt.date) -> Self:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


# --- Offences -------------------------------------------------------------------


class OffenceQuerySet(DatedQuerySet["Offence"]):
    def sex_purchase(self) -> OffenceQuerySet:
        return self.filter(counts_as_sex_purchase=True)


class Offence(models.Model):
    """A provision of the Penal Code (BrB), in force for a period, with its dated names.

    Reference data, seeded by ``legal.reference.seed_offences``. The row is
    the provision (and whether it is the attempt): crime reports point at it
    whatever the law later calls it. What it is called and what it covers
    change with the law: each wording is an ``OffenceName`` valid for a period,
    and a report shows the one in force when the offence was committed
    (``name_on``). ``name`` is the name in force now, for lists and choices.
    """

    key = models.SlugField(_("key"), max_length=64, unique=True)
    code = models.CharField(_("provision"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    attempt = models.BooleanField(_("attempt"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Counted in the results as "persons reported for buying sex" (DESIGN.md §5).
    counts_as_sex_purchase = models.BooleanField(_("counts as a purchase of sex"), default=False)
    # The child is the injured party, and the buyer's awareness of the age matters.
    child_victim = models.BooleanField(_("child is the injured party"), default=False)
    # Brå splits human trafficking by purpose and by the victim's age.
    human_trafficking = models.BooleanField(_("human trafficking"), default=False)
    # The offence protects a child under this age (15: BrB 6:4, 6:6, 6:8, 6:10 a; 18: 6:9).
    child_under = models.PositiveSmallIntegerField(
        _("protects a child under (years)"), null=True, blank=True
    )
    # The order in lists: the sex-purchase offences first, as officers use them most.
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = OffenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("offence")
        verbose_name_plural = _("offences")
        ordering = ["position", "code", "attempt", "name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="offence_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)

    def _names(self) -> list[OffenceName]:
        # Prefetched (``prefetch_related("names")``) or fetched once.
        return list(self.names.all())

    def name_on(self, day: dt.date) -> str:
        """The name in force on ``day``; the current name if no dated name covers it."""
        for dated in self._names():
            if dated.is_valid_on(day):
                return dated.name
        return self.name

    def names_between(self, start: dt.date, end: dt.date) -> list[str]:
        """The names in force at some time from ``start`` to ``end``, oldest first, each once."""
        names: list[str] = []
        for dated in sorted(self._names(), key=lambda n: n.valid_from or dt.date.min):
            if dated.overlaps(start, end) and dated.name not in names:
                names.append(dated.name)
        return names or [self.name]

    def names_from(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Each name in force in the period, with the first day of the period it applies to."""
        eras = [
            (max(dated.valid_from or start, start), dated.name)
            for dated in sorted(self._names(), key=lambda n: n.valid_from or dt.date.min)
            if dated.overlaps(start, end)
        ]
        named: list[tuple[dt.date, str]] = []
        for day, name in eras:
            if not named or named[-1][1] != name:
                named.append((day, name))
        return named or [(start, self.name)]

    def label_on(self, day: dt.date) -> str:
        """The name in force on ``day`` with the provision, e.g. "köp av sexuell tjänst (BrB 6:11)"."""
        return f"{self.name_on(day)} ({self.code})"

    def label_between(self, start: dt.date, end: dt.date) -> str:
        """Every name in force in the period, joined by " / ", with the provision."""
        return f"{' / '.join(self.names_between(start, end))} ({self.code})"

    def scope_on(self, day: dt.date) -> str:
        """What the provision covered on ``day`` (empty if not recorded)."""
        for dated in self._names():
            if dated.is_valid_on(day):
                return dated.scope
        return ""

    @property
    def seller_is_witness(self) -> bool:
        """BrB 6:11: the adult who sold is not criminalised and is not an injured party."""
        return self.counts_as_sex_purchase and not self.child_victim


class OffenceNameQuerySet(DatedQuerySet["OffenceName"]):
    """``valid_on(day)``: the names in force on that day."""


class OffenceName(models.Model):
    """What an offence was called and what it covered for a period, and the law that said so.

    A renamed or widened offence gets a new row from the day the change took
    effect, and the old row its ``valid_to``: the offence (and every crime
    report that points at it) stays the same row.
    """

    offence = models.ForeignKey(
        Offence, on_delete=models.CASCADE, related_name="names", verbose_name=_("offence")
    )
    name = models.CharField(_("name"), max_length=200)
    scope = models.TextField(_("what it covers"), blank=True)
    # SFS number and bill (proposition), e.g. "SFS 2019:806; prop. 2018/19:157".
    source = models.CharField(_("source"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = OffenceNameQuerySet.as_manager()

    class Meta:
        verbose_name = _("name of an offence")
        verbose_name_plural = _("names of offences")
        ordering = ["offence", F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["offence", "valid_from"], name="offence_name_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="offence_name_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({period_label(self.valid_from, self.valid_to)})"

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return not (
            (self.valid_to and self.valid_to < start) or (self.valid_from and self.valid_from > end)
        )


def period_label(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    """A period in Swedish (through gettext), e.g. "from 2025-07-01" or "until 2025-06-30"."""
    if valid_from and valid_to:
        return str(_("%(start)s to %(end)s")) % {
            "start": f"{valid_from:%Y-%m-%d}",
            "end": f"{valid_to:%Y-%m-%d}",
        }
    if valid_to:
        return str(_("until %(date)s")) % {"date": f"{valid_to:%Y-%m-%d}"}
    if valid_from:
        return str(_("from %(date)s")) % {"date": f"{valid_from:%Y-%m-%d}"}
    return str(_("in force"))


# --- Legal bases for disclosures ------------------------------------------------


class LegalBasisQuerySet(DatedQuerySet["LegalBasis"]):
    def for_direction(self, direction: str) -> LegalBasisQuerySet:
        return self.filter(direction=direction)


class LegalBasis(models.Model):
    """A provision that allows a disclosure, with its conditions as data.

    Seeded by ``legal.reference.seed_legal_bases``. When the law changes,
    the old row gets ``valid_to`` and a new row is added; decisions keep the
    row they were made under.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    provision = models.CharField(_("provision"), max_length=100)
    name = models.CharField(_("name"), max_length=300)
    direction = models.CharField(_("direction"), max_length=32, choices=Direction.choices)
    concerns = models.CharField(
        _("may concern"), max_length=16, choices=Concerns.choices, default=Concerns.ANYONE
    )
    requires_consent = models.BooleanField(_("requires the person's consent"), default=False)
    # BrB chapters the suspected offence must fall under, e.g. [3, 4, 6]; empty: any.
    offence_chapters = models.JSONField(_("offence chapters (BrB)"), default=list, blank=True)
    requires_minimum_penalty_one_year = models.BooleanField(
        _("requires an offence with a minimum penalty of at least one year"), default=False
    )
    note = models.TextField(_("note"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = LegalBasisQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["direction", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="legal_basis_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provision} – {self.name}"

    @property
    def label(self) -> str:
        """The name with its period, for choosing among current and past bases."""
        if self.valid_to is None and self.valid_from is None:
            return str(self)
        return f"{self} ({period_label(self.valid_from, self.valid_to)})"

    def rule(self) -> BasisRule:
        return BasisRule(
            provision=self.provision,
            direction=self.direction,
            concerns=self.concerns,
            requires_consent=self.requires_consent,
            offence_chapters=frozenset(int(c) for c in self.offence_chapters or ()),
            requires_minimum_penalty_one_year=self.requires_minimum_penalty_one_year,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


class OffencePenaltyQuerySet(DatedQuerySet["OffencePenalty"]):
    """``valid_on(day)``: the penalty rows in force on that day."""


class OffencePenalty(models.Model):
    """Whether an offence's minimum penalty is at least one year's imprisonment, for a period.

    What OSL 10:23 asks of an offence. Kept beside the bases that use it; an
    offence without a row counts as below one year (the cautious side).
    """

    offence = models.ForeignKey(
        Offence, on_delete=models.CASCADE, related_name="+", verbose_name=_("offence")
    )
    minimum_penalty_one_year = models.BooleanField(
        _("minimum penalty at least one year's imprisonment")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = OffencePenaltyQuerySet.as_manager()

    class Meta:
        verbose_name = _("minimum penalty")
        verbose_name_plural = _("minimum penalties")
        constraints = [
            models.UniqueConstraint(
                fields=["offence", "valid_from"], name="offence_penalty_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offence}: {self.minimum_penalty_one_year}"


# --- Deadlines for social services' handling of a child-concern report -----------------


class ConcernDeadlineKind(models.TextChoices):
    PROTECTION = "protection", _("Protection assessment")
    DECISION = "decision", _("Decision whether to open an investigation")
    INVESTIGATION = "investigation", _("Investigation finished")


class ConcernDeadlineQuerySet(DatedQuerySet["ConcernDeadline"]):
    """``valid_on(day)``: the deadlines that applied to a report received that day."""


class ConcernDeadline(models.Model):
    """How long social services have for one step of a child-concern report, for a period.

    The protection assessment and the decision run from the report's arrival,
    the investigation from the decision to open it. A report keeps the
    deadlines in force on the day it came in. Seeded by
    ``legal.reference.seed_concern_deadlines``.
    """

    kind = models.CharField(_("step"), max_length=16, choices=ConcernDeadlineKind.choices)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    provision = models.CharField(_("provision"), max_length=100)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ConcernDeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline for a child-concern report")
        verbose_name_plural = _("deadlines for child-concern reports")
        ordering = ["kind", F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "valid_from"], name="concern_deadline_once_per_period"
            ),
            models.CheckConstraint(
                condition=(Q(days__isnull=False) & Q(months__isnull=True))
                | (Q(days__isnull=True) & Q(months__isnull=False)),
                name="concern_deadline_days_or_months",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="concern_deadline_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.provision}"

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)

    def due(self, start: dt.datetime) -> dt.datetime:
        """The moment the step is due, counted from ``start`` (months in local calendar time)."""
        if self.months is not None:
            return timezone.localtime(start) + relativedelta(months=self.months)
        return start + dt.timedelta(days=self.days or 0)


def concern_deadlines_on(
    day: dt.date, rows: list[ConcernDeadline] | None = None
) -> dict[str, ConcernDeadline]:
    """The deadline of each step for a report received on ``day`` (``rows``: all, fetched once)."""
    if rows is None:
        rows = list(ConcernDeadline.objects.valid_on(day))
    return {row.kind: row for row in rows if row.is_valid_on(day)}
