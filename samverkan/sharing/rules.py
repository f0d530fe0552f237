"""Whether a legal basis allows a disclosure: one pure function, one rule at a time.

The conditions are data on each ``legal.LegalBasis`` row (``legal.reference``); this
module only compares them with the facts of one disclosure and says, in
plain words, every reason the basis does not apply. No database, no clock:
the caller supplies the facts and the day, and the tests walk each rule.

Nothing here replaces a lawyer's review (DESIGN.md §6).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext as _

from samverkan.legal.provisions import BasisRule, Concerns, Direction


class SubjectAge(enum.Enum):
    MINOR = "minor"
    ADULT = "adult"
    # No age known. Presumption of childhood (DESIGN.md §6): treated as a minor.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class OffenceFacts:
    """What the rules need to know of the suspected offence."""

    name: str
    chapter: int | None
    minimum_penalty_one_year: bool


@dataclass(frozen=True)
class Facts:
    """The facts of one disclosure on the day it is decided (or was made, if oral)."""

    direction: str
    subject_age: SubjectAge
    on: dt.date
    offence: OffenceFacts | None = None
    # A recorded consent to share with the recipient, given by then and not withdrawn.
    consent: bool = False


def _chapters(chapters: Collection[int]) -> str:
    ordered = [str(c) for c in sorted(chapters)]
    if len(ordered) == 1:
        return ordered[0]
    return _("%(first)s or %(last)s") % {"first": ", ".join(ordered[:-1]), "last": ordered[-1]}


def _day(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}"


def refusals(rule: BasisRule, facts: Facts) -> list[str]:
    """Every reason ``rule`` does not allow the disclosure; empty when it does."""
    reasons: list[str] = []
    name = {"basis": rule.provision}

    if rule.valid_from is not None and facts.on < rule.valid_from:
        reasons.append(
            _("%(basis)s was not yet in force on %(day)s (it applies from %(start)s).")
            % {**name, "day": _day(facts.on), "start": _day(rule.valid_from)}
        )
    if rule.valid_to is not None and facts.on > rule.valid_to:
        reasons.append(
            _("%(basis)s was no longer in force on %(day)s (it applied until %(end)s).")
            % {**name, "day": _day(facts.on), "end": _day(rule.valid_to)}
        )

    if rule.direction != facts.direction:
        reasons.append(
            _("%(basis)s does not apply in this direction: it covers disclosures %(direction)s.")
            % {**name, "direction": _direction_words(rule.direction)}
        )

    if rule.concerns == Concerns.MINORS and facts.subject_age is SubjectAge.ADULT:
        reasons.append(
            _(
                "%(basis)s applies only where the person concerned is under 18; this person is 18 or over."
            )
            % name
        )
    if rule.concerns == Concerns.ADULTS and facts.subject_age is not SubjectAge.ADULT:
        reasons.append(
            _("%(basis)s applies only to persons 18 or over; this person is, or may be, under 18.")
            % name
        )

    if rule.requires_offence:
        offence = facts.offence
        if offence is None:
            reasons.append(
                _(
                    "%(basis)s requires the suspected offence: choose the offence the disclosure concerns."
                )
                % name
            )
        else:
            if rule.offence_chapters and offence.chapter not in rule.offence_chapters:
                reasons.append(
                    _(
                        "%(basis)s covers only offences under chapter %(chapters)s of the Penal Code (BrB); %(offence)s is not one of them."
                    )
                    % {
                        **name,
                        "chapters": _chapters(rule.offence_chapters),
                        "offence": offence.name,
                    }
                )
            if rule.requires_minimum_penalty_one_year and not offence.minimum_penalty_one_year:
                reasons.append(
                    _(
                        "%(basis)s covers only offences whose minimum penalty is at least one year's imprisonment; %(offence)s has a lower minimum."
                    )
                    % {**name, "offence": offence.name}
                )

    if rule.requires_consent and not facts.consent:
        reasons.append(
            _(
                "%(basis)s requires the person's consent to share with the recipient, recorded and not withdrawn; there is none."
            )
            % name
        )
    return reasons


def _direction_words(direction: str) -> str:
    if direction == Direction.TO_POLICE:
        return _("from social services to the police")
    return _("from the police to social services")
