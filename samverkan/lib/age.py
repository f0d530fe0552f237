"""Who counts as a minor: the one rule, for every app.

A child is a person under 18 (the UN Convention on the Rights of the Child,
the Social Services Act). Two questions are asked of an age, and they differ
only when the age is not known:

- ``is_minor(years)``: a known age in whole years, under 18.
- ``presumed_minor(years)``: the presumption of childhood, where that is the
  rule (a client whose age is not known is treated as a child until shown
  otherwise); an unknown age (``None``) counts as a minor.

A second limit, 15 (the age of sexual consent, BrB 6 kap.), decides between
offences against a child: a sexual act with a child under 15 is rape of a
child (6:4) or sexual abuse of a child (6:6), whatever was paid; for a child
of 15-17 paying makes it 6:9. ``is_under_15(years)`` asks it of a known age,
``presumed_under_15(years)`` with the same presumption for an unknown one.

Pure functions, no Django: querysets build their conditions from
``ADULT_AGE`` (``age__lt=ADULT_AGE``), one queryset method per model.
"""

from __future__ import annotations

__all__ = [
    "ADULT_AGE",
    "SEXUAL_CONSENT_AGE",
    "is_minor",
    "is_under_15",
    "presumed_minor",
    "presumed_under_15",
]

ADULT_AGE = 18
# The age of sexual consent: under it, BrB 6:4-6:8 protect the child (the under-15 band).
SEXUAL_CONSENT_AGE = 15


def is_minor(years: int) -> bool:
    """A known age, in completed years, under 18."""
    return years < ADULT_AGE


def presumed_minor(years: int | None) -> bool:
    """Presumption of childhood: under 18, or an age that is not known."""
    return years is None or is_minor(years)


def is_under_15(years: int) -> bool:
    """A known age, in completed years, under 15 (BrB 6:4, 6:6, 6:8 rather than 6:9)."""
    return years < SEXUAL_CONSENT_AGE


def presumed_under_15(years: int | None) -> bool:
    """Presumption of childhood for the under-15 band: under 15, or an age that is not known."""
    return years is None or is_under_15(years)
