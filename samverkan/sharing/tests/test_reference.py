"""The seeded legal bases against the seeded offences, and the field registry."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.accounts.models import User
from samverkan.legal.models import LegalBasis, Offence
from samverkan.sharing.gate import record_types_requestable_by, registry
from samverkan.sharing.resolve import offence_facts
from samverkan.sharing.rules import Facts, SubjectAge, refusals

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("offence", "allowed"),
    [
        ("brb-6-11", False),
        ("brb-6-11-forsok", False),
        ("brb-6-9", False),
        ("brb-6-12", False),
        ("brb-6-12-grovt", True),
        ("brb-4-1a", True),
    ],
)
def test_10_23_against_the_seeded_offences(
    bases: dict[str, LegalBasis], offences: dict[str, Offence], offence: str, allowed: bool
) -> None:
    day = dt.date(2026, 1, 15)
    facts = Facts(
        direction="to_police",
        subject_age=SubjectAge.ADULT,
        on=day,
        offence=offence_facts(offences[offence], day),
    )
    assert (refusals(bases["osl-10-23"].rule(), facts) == []) is allowed


def test_an_offence_without_a_penalty_row_counts_below_a_year(offences: dict[str, Offence]) -> None:
    other = Offence.objects.create(key="test-brb-3-6", code="BrB 3:6", name="grov misshandel")
    facts = offence_facts(other, dt.date(2026, 1, 1))
    assert facts.chapter == 3
    assert not facts.minimum_penalty_one_year


def test_the_owning_apps_declare_what_can_be_disclosed(personas: dict[str, User]) -> None:
    declared = registry()
    assert set(declared) == {"client", "support_action", "referral", "crime_report", "suspect"}
    assert declared["client"].field_names == {
        "pseudonym", "identifiers", "ages", "language", "contact", "encounters", "consents"
    }
    assert "parties" in declared["crime_report"].field_names
    assert declared["suspect"].field_names == {
        "name", "personnummer", "birth_date", "age_at_offence", "role"
    }
    assert set(record_types_requestable_by("police")) == {"client", "support_action", "referral"}
    assert set(record_types_requestable_by("social_services")) == {"crime_report", "suspect"}
