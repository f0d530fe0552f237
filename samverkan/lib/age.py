"""Who counts as a minor: the one rule, for every app.

A child is a person under 18 (the UN Convention on the Rights of the Child,
the Social Services Act). Two questions are asked of an age, and they differ
only when the age is not known:

- ``is_minor(years)``: a known age in whole years, under 18.
- ``presumed_minor(years)``: the presumption of childhood, where that is the
  rule (a client whose age is not known is treated as a child until shown
  otherwise); an unknown age (``None``) counts as a minor.

Pure functions, no Django: querysets build their conditions from
``ADULT_AGE`` (``age__lt=ADULT_AGE``), one queryset method per model.
"""

from __future__ import annotations

__all__ = ["ADULT_AGE", "is_minor", "presumed_minor"]

ADULT_AGE = 18


def is_minor(years: int) -> bool:
    """A known age, in completed years, under 18."""
    return years < ADULT_AGE


def presumed_minor(years: int | None) -> bool:
    """Presumption of childhood: under 18, or an age that is not known."""
    return years is None or is_minor(years)
