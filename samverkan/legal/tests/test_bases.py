"""The seeded legal bases and minimum penalties, and the Penal Code chapter of a provision."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.legal.models import LegalBasis, Offence, OffencePenalty
from samverkan.legal.provisions import BasisRule, Concerns, Direction, brb_chapter
from samverkan.legal.reference import (
    LEGAL_BASES,
    OFFENCE_PENALTIES,
    seed_legal_bases,
    seed_offences,
)


@pytest.fixture
def bases(db: None) -> dict[str, LegalBasis]:
    # Seeded by the migrations; again here in case a transactional test flushed the database.
    seed_offences()
    seed_legal_bases()
    return {b.code: b for b in LegalBasis.objects.all()}


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
    # Consent in both directions.
    assert bases["osl-12-2-till-socialtjansten"].direction == "to_social_services"
    assert bases["osl-12-2-till-socialtjansten"].requires_consent


def test_the_duty_to_report_is_one_route_with_chapter_and_section(
    bases: dict[str, LegalBasis],
) -> None:
    assert "osl-10-28" not in bases
    old, new = bases["sol-2001-453-14-1"], bases["sol-2025-400-orosanmalan"]
    assert old.provision == "SoL (2001:453) 14 kap. 1 § och OSL 10 kap. 28 §"
    assert new.provision.startswith("SoL (2025:400) ") and " kap. " in new.provision
    assert new.provision.endswith("och OSL 10 kap. 28 §")


def test_every_label_is_in_swedish(bases: dict[str, LegalBasis]) -> None:
    labels = [b.label for b in bases.values()]
    assert bases["sol-2001-453-14-1"].label.endswith("(till och med 2025-06-30)")
    assert bases["sol-2025-400-orosanmalan"].label.endswith("(från och med 2025-07-01)")
    for label in labels:
        assert "until" not in label and "from" not in label, label


def test_a_basis_gives_its_conditions_as_a_rule(bases: dict[str, LegalBasis]) -> None:
    assert bases["osl-10-21"].rule() == BasisRule(
        "OSL 10 kap. 21 §",
        Direction.TO_POLICE,
        concerns=Concerns.MINORS,
        offence_chapters=frozenset({3, 4, 6}),
    )
    assert bases["sol-2001-453-14-1"].rule().valid_to == dt.date(2025, 6, 30)


def test_the_duty_to_report_changes_law_on_1_july_2025(bases: dict[str, LegalBasis]) -> None:
    def valid(day: dt.date) -> set[str]:
        duty = LegalBasis.objects.for_direction(Direction.TO_SOCIAL_SERVICES).valid_on(day)
        return set(duty.filter(requires_consent=False).values_list("code", flat=True))

    assert valid(dt.date(2025, 6, 30)) == {"sol-2001-453-14-1"}
    assert valid(dt.date(2025, 7, 1)) == {"sol-2025-400-orosanmalan"}


def test_every_seeded_offence_has_its_minimum_penalty(bases: dict[str, LegalBasis]) -> None:
    penalties = {
        p.offence.key: p.minimum_penalty_one_year
        for p in OffencePenalty.objects.valid_on(dt.date(2026, 1, 1)).select_related("offence")
    }
    assert penalties == {p.offence_key: p.minimum_penalty_one_year for p in OFFENCE_PENALTIES}
    assert set(penalties) == set(Offence.objects.values_list("key", flat=True))
    assert {k for k, at_least_a_year in penalties.items() if at_least_a_year} == {
        "brb-6-12-grovt",
        "brb-4-1a",
        "brb-6-4",
    }


@pytest.mark.parametrize(
    ("code", "chapter"),
    [("BrB 6:11", 6), ("BrB 4:1 a", 4), ("brb 3:5", 3), ("OSL 10:21", None), ("", None)],
)
def test_brb_chapter(code: str, chapter: int | None) -> None:
    assert brb_chapter(code) == chapter
