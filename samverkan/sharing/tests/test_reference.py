"""Reference data: the seeded legal bases, minimum penalties, and the field registry."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.accounts.models import User
from samverkan.investigations.models import Offence
from samverkan.sharing.gate import record_types_requestable_by, registry
from samverkan.sharing.models import LegalBasis, OffencePenalty
from samverkan.sharing.reference import LEGAL_BASES, seed_legal_bases
from samverkan.sharing.resolve import offence_facts
from samverkan.sharing.rules import Facts, SubjectAge, refusals

pytestmark = pytest.mark.django_db


def test_seeding_is_idempotent(bases: dict[str, LegalBasis]) -> None:
    before = (LegalBasis.objects.count(), OffencePenalty.objects.count())
    seed_legal_bases()
    seed_legal_bases()
    assert (LegalBasis.objects.count(), OffencePenalty.objects.count()) == before
    assert set(bases) == {row.code for row in LEGAL_BASES}


def test_the_seeded_bases(bases: dict[str, LegalBasis]) -> None:
    assert bases["osl-10-21"].offence_chapters == [3, 4, 6]
    assert bases["osl-10-21"].concerns == "minors"
    assert bases["osl-10-23"].requires_minimum_penalty_one_year
    assert bases["osl-12-2"].requires_consent
    assert bases["sol-2001-453-14-1"].valid_to == dt.date(2025, 6, 30)
    assert bases["sol-2025-400-orosanmalan"].valid_from == dt.date(2025, 7, 1)
    directions = {b.code: b.direction for b in bases.values()}
    assert {c for c, d in directions.items() if d == "to_police"} == {
        "osl-10-21",
        "osl-10-23",
        "osl-12-2",
    }


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
