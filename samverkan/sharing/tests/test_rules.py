"""The basis check, rule by rule, as a pure function (no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from samverkan.legal.provisions import BasisRule, Concerns, Direction
from samverkan.sharing.rules import (
    Facts,
    OffenceFacts,
    SubjectAge,
    refusals,
)

TODAY = dt.date(2026, 3, 1)
TO_POLICE = Direction.TO_POLICE
TO_SOCIAL = Direction.TO_SOCIAL_SERVICES

OSL_10_21 = BasisRule(
    "OSL 10 kap. 21 §", TO_POLICE, concerns=Concerns.MINORS, offence_chapters=frozenset({3, 4, 6})
)
OSL_10_23 = BasisRule("OSL 10 kap. 23 §", TO_POLICE, requires_minimum_penalty_one_year=True)
OSL_12_2 = BasisRule("OSL 12 kap. 2 §", TO_POLICE, requires_consent=True)
SOL_OLD = BasisRule(
    "SoL (2001:453) 14 kap. 1 §", TO_SOCIAL, concerns=Concerns.MINORS, valid_to=dt.date(2025, 6, 30)
)
SOL_NEW = BasisRule(
    "Socialtjänstlagen (2025:400)",
    TO_SOCIAL,
    concerns=Concerns.MINORS,
    valid_from=dt.date(2025, 7, 1),
)

SEX_PURCHASE = OffenceFacts("köp av sexuell tjänst (BrB 6:11)", 6, False)
CHILD_PURCHASE = OffenceFacts("köp av sexuell handling av barn (BrB 6:9)", 6, False)
GROSS_PROCURING = OffenceFacts("grovt koppleri (BrB 6:12)", 6, True)
TRAFFICKING = OffenceFacts("människohandel (BrB 4:1 a)", 4, True)
ASSAULT = OffenceFacts("misshandel (BrB 3:5)", 3, False)
DEFAMATION = OffenceFacts("förtal (BrB 5:1)", 5, False)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def facts(
    *,
    direction: str = TO_POLICE,
    age: SubjectAge = SubjectAge.ADULT,
    offence: OffenceFacts | None = None,
    consent: bool = False,
    on: dt.date = TODAY,
) -> Facts:
    return Facts(direction=direction, subject_age=age, on=on, offence=offence, consent=consent)


# --- OSL 10:21 -----------------------------------------------------------------------------


@pytest.mark.parametrize("offence", [CHILD_PURCHASE, GROSS_PROCURING, TRAFFICKING, ASSAULT])
def test_10_21_allows_offences_of_chapters_3_4_6_against_a_minor(offence: OffenceFacts) -> None:
    assert refusals(OSL_10_21, facts(age=SubjectAge.MINOR, offence=offence)) == []


def test_10_21_treats_an_unknown_age_as_a_minor() -> None:
    assert refusals(OSL_10_21, facts(age=SubjectAge.UNKNOWN, offence=CHILD_PURCHASE)) == []


def test_10_21_refuses_an_adult() -> None:
    [reason] = refusals(OSL_10_21, facts(age=SubjectAge.ADULT, offence=GROSS_PROCURING))
    assert "under 18" in reason
    assert "OSL 10 kap. 21 §" in reason


def test_10_21_refuses_an_offence_outside_chapters_3_4_6() -> None:
    [reason] = refusals(OSL_10_21, facts(age=SubjectAge.MINOR, offence=DEFAMATION))
    assert "chapter 3, 4 or 6" in reason
    assert "förtal" in reason


def test_10_21_needs_the_suspected_offence() -> None:
    [reason] = refusals(OSL_10_21, facts(age=SubjectAge.MINOR, offence=None))
    assert "requires the suspected offence" in reason


# --- OSL 10:23 -----------------------------------------------------------------------------


def test_10_23_refuses_adult_sex_purchase() -> None:
    [reason] = refusals(OSL_10_23, facts(age=SubjectAge.ADULT, offence=SEX_PURCHASE))
    assert "at least one year" in reason


@pytest.mark.parametrize("offence", [GROSS_PROCURING, TRAFFICKING])
@pytest.mark.parametrize("age", list(SubjectAge))
def test_10_23_allows_offences_with_a_minimum_of_a_year_at_any_age(
    offence: OffenceFacts, age: SubjectAge
) -> None:
    assert refusals(OSL_10_23, facts(age=age, offence=offence)) == []


def test_10_23_needs_the_suspected_offence() -> None:
    [reason] = refusals(OSL_10_23, facts(offence=None))
    assert "requires the suspected offence" in reason


# --- OSL 12:2 ------------------------------------------------------------------------------


def test_12_2_allows_with_consent_whatever_the_offence() -> None:
    assert refusals(OSL_12_2, facts(consent=True, offence=None)) == []
    assert refusals(OSL_12_2, facts(consent=True, offence=SEX_PURCHASE)) == []


def test_12_2_refuses_without_consent() -> None:
    [reason] = refusals(OSL_12_2, facts(consent=False))
    assert "consent" in reason


# --- Direction -----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [OSL_10_21, OSL_10_23, OSL_12_2])
def test_social_services_bases_refuse_the_other_direction(rule: BasisRule) -> None:
    reasons = refusals(
        rule,
        facts(direction=TO_SOCIAL, age=SubjectAge.MINOR, offence=TRAFFICKING, consent=True),
    )
    assert reasons == [
        f"{rule.provision} does not apply in this direction: it covers disclosures from social "
        "services to the police."
    ]


def test_the_duty_to_report_refuses_the_other_direction() -> None:
    [reason] = refusals(SOL_NEW, facts(direction=TO_POLICE, age=SubjectAge.MINOR))
    assert "from the police to social services" in reason


# --- Whom it may concern -------------------------------------------------------------------


def test_the_duty_to_report_concerns_children_only() -> None:
    assert refusals(SOL_NEW, facts(direction=TO_SOCIAL, age=SubjectAge.MINOR)) == []
    assert refusals(SOL_NEW, facts(direction=TO_SOCIAL, age=SubjectAge.UNKNOWN)) == []
    [reason] = refusals(SOL_NEW, facts(direction=TO_SOCIAL, age=SubjectAge.ADULT))
    assert "under 18" in reason


def test_an_adults_only_basis_refuses_a_possible_minor() -> None:
    adults = BasisRule("Test", TO_POLICE, concerns=Concerns.ADULTS)
    assert refusals(adults, facts(age=SubjectAge.ADULT)) == []
    assert len(refusals(adults, facts(age=SubjectAge.MINOR))) == 1
    assert len(refusals(adults, facts(age=SubjectAge.UNKNOWN))) == 1


# --- Validity on the decision date --------------------------------------------------------


def test_the_old_social_services_act_applies_until_30_june_2025() -> None:
    minor = {"direction": TO_SOCIAL, "age": SubjectAge.MINOR}
    assert refusals(SOL_OLD, facts(on=dt.date(2025, 6, 30), **minor)) == []  # type: ignore[arg-type]
    [reason] = refusals(SOL_OLD, facts(on=dt.date(2025, 7, 1), **minor))  # type: ignore[arg-type]
    assert reason == (
        "SoL (2001:453) 14 kap. 1 § was no longer in force on 2025-07-01 "
        "(it applied until 2025-06-30)."
    )


def test_the_new_social_services_act_applies_from_1_july_2025() -> None:
    minor = {"direction": TO_SOCIAL, "age": SubjectAge.MINOR}
    assert refusals(SOL_NEW, facts(on=dt.date(2025, 7, 1), **minor)) == []  # type: ignore[arg-type]
    [reason] = refusals(SOL_NEW, facts(on=dt.date(2025, 6, 30), **minor))  # type: ignore[arg-type]
    assert "was not yet in force on 2025-06-30" in reason


def test_every_failing_condition_is_reported() -> None:
    reasons = refusals(
        OSL_10_21, facts(direction=TO_SOCIAL, age=SubjectAge.ADULT, offence=DEFAMATION)
    )
    assert len(reasons) == 3


@given(
    age=st.sampled_from(list(SubjectAge)),
    consent=st.booleans(),
    on=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
)
def test_a_basis_without_conditions_refuses_only_the_wrong_direction(
    age: SubjectAge, consent: bool, on: dt.date
) -> None:
    open_basis = BasisRule("Test", TO_POLICE)
    assert refusals(open_basis, facts(age=age, consent=consent, on=on)) == []
    assert len(refusals(open_basis, facts(direction=TO_SOCIAL, age=age, on=on))) == 1
