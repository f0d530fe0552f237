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


def test_fifteen_is_the_line_between_6_4_and_6_9() -> None:
    from samverkan.lib.age import SEXUAL_CONSENT_AGE, is_under_15, presumed_under_15

    assert SEXUAL_CONSENT_AGE == 15
    assert is_under_15(14) and not is_under_15(15) and not is_under_15(17)
    assert presumed_under_15(None) and presumed_under_15(0) and not presumed_under_15(16)
