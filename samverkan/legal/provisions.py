"""The vocabulary of the legal reference data, as plain values: no database, no clock.

A legal basis's conditions (``BasisRule``), the directions a disclosure can
take and whom a basis may concern, and the Penal Code chapter of an offence.
The disclosure gate (``sharing.rules``) compares these with the facts of one
disclosure; nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy


class Direction(models.TextChoices):
    TO_POLICE = "to_police", gettext_lazy("From social services to the police")
    TO_SOCIAL_SERVICES = "to_social_services", gettext_lazy("From the police to social services")


class Concerns(models.TextChoices):
    """Whom a basis may concern: the person the disclosed record is about."""

    MINORS = "minors", gettext_lazy("Persons under 18")
    ADULTS = "adults", gettext_lazy("Persons 18 or over")
    ANYONE = "anyone", gettext_lazy("Anyone")


@dataclass(frozen=True)
class BasisRule:
    """The conditions of one legal basis, as data."""

    provision: str
    direction: str
    concerns: str = Concerns.ANYONE
    requires_consent: bool = False
    # Chapters of the Penal Code (BrB) the suspected offence must fall under; empty: any.
    offence_chapters: frozenset[int] = frozenset()
    # The suspected offence must carry at least one year's imprisonment as its minimum.
    requires_minimum_penalty_one_year: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def requires_offence(self) -> bool:
        return bool(self.offence_chapters) or self.requires_minimum_penalty_one_year


BRB_CODE = re.compile(r"^BrB\s+(\d+)\s*:", re.IGNORECASE)


def brb_chapter(code: str) -> int | None:
    """The chapter of a Penal Code provision written "BrB 6:11" or "BrB 4:1 a"."""
    match = BRB_CODE.match(code.strip())
    return int(match.group(1)) if match else None
