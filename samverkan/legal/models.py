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

from django.db import models
from django.db.models import Q
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
    """A provision of the Penal Code (BrB) under a name valid for a period.

    Reference data, seeded by ``legal.reference.seed_offences``. When
    the law renames an offence, a new dated row is added and the old one gets
    its ``valid_to``; reports keep the row that was in force when they happened.
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

    @property
    def seller_is_witness(self) -> bool:
        """BrB 6:11: the adult who sold is not criminalised and is not an injured party."""
        return self.counts_as_sex_purchase and not self.child_victim


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
        if self.valid_to is not None:
            return f"{self} ({_('until')} {self.valid_to:%Y-%m-%d})"
        if self.valid_from is not None:
            return f"{self} ({_('from')} {self.valid_from:%Y-%m-%d})"
        return str(self)

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
