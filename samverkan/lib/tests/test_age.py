"""The one rule for "minor", at its edges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from samverkan.lib.age import ADULT_AGE, is_minor, presumed_minor


def test_eighteen_is_the_line() -> None:
    assert ADULT_AGE == 18
    assert is_minor(0) and is_minor(17)
    assert not is_minor(18) and not is_minor(90)


def test_an_unknown_age_is_presumed_a_minor() -> None:
    assert presumed_minor(None)
    assert presumed_minor(17)
    assert not presumed_minor(18)


@given(st.integers(min_value=0, max_value=130))
def test_the_presumption_only_differs_for_an_unknown_age(years: int) -> None:
    assert presumed_minor(years) is is_minor(years)
