"""Offences are dated reference data, seeded idempotently."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from samverkan.legal.models import Offence, OffenceName
from samverkan.legal.reference import NAMES, OFFENCES, seed_offences

pytestmark = pytest.mark.django_db


def test_the_migration_seeds_every_offence() -> None:
    assert set(Offence.objects.values_list("key", flat=True)) == {row.key for row in OFFENCES}


def test_seeding_again_changes_nothing_and_restores_after_a_flush() -> None:
    seed_offences()
    assert Offence.objects.count() == len(OFFENCES)
    Offence.objects.all().delete()
    seed_offences()
    assert Offence.objects.count() == len(OFFENCES)


def test_flags_follow_the_penal_code() -> None:
    by_key = {o.key: o for o in Offence.objects.all()}
    purchase = {k for k, o in by_key.items() if o.counts_as_sex_purchase}
    assert purchase == {"brb-6-11", "brb-6-11-forsok", "brb-6-9", "brb-6-9-forsok"}
    assert {k for k, o in by_key.items() if o.child_victim} == {"brb-6-9", "brb-6-9-forsok"}
    assert {k for k, o in by_key.items() if o.attempt} == {"brb-6-11-forsok", "brb-6-9-forsok"}
    assert {k for k, o in by_key.items() if o.human_trafficking} == {"brb-4-1a"}
    assert {k for k, o in by_key.items() if o.child_under == 15} == {
        "brb-6-4",
        "brb-6-6",
        "brb-6-8",
        "brb-6-10a",
    }
    assert by_key["brb-6-11"].seller_is_witness
    assert not by_key["brb-6-9"].seller_is_witness
    assert str(by_key["brb-6-12-grovt"]) == "grovt koppleri (BrB 6:12)"


def test_the_missing_offences_are_there_with_their_swedish_names() -> None:
    names = dict(Offence.objects.values_list("code", "name").filter(attempt=False))
    assert names["BrB 6:4"] == "våldtäkt mot barn"
    assert names["BrB 6:6"] == "sexuellt övergrepp mot barn"
    assert names["BrB 6:8"] == "utnyttjande av barn för sexuell posering"
    assert names["BrB 6:10 a"] == "kontakt med barn i sexuellt syfte"


@pytest.mark.parametrize(
    ("key", "day", "name"),
    [
        ("brb-6-9", dt.date(2019, 12, 31), "köp av sexuell handling av barn"),
        ("brb-6-9", dt.date(2020, 1, 1), "utnyttjande av barn genom köp av sexuell handling"),
        ("brb-6-9-forsok", dt.date(2019, 6, 1), "försök till köp av sexuell handling av barn"),
        ("brb-6-11", dt.date(2021, 5, 1), "köp av sexuell tjänst"),
        ("brb-6-11", dt.date(2025, 6, 30), "köp av sexuell tjänst"),
        ("brb-6-11", dt.date(2025, 7, 1), "köp av sexuell handling"),
        ("brb-6-11-forsok", dt.date(2026, 1, 1), "försök till köp av sexuell handling"),
        ("brb-6-12", dt.date(2026, 1, 1), "koppleri"),
    ],
)
def test_the_name_in_force_on_the_day(key: str, day: dt.date, name: str) -> None:
    assert Offence.objects.get(key=key).name_on(day) == name


def test_a_period_spanning_the_change_names_both() -> None:
    purchase = Offence.objects.get(key="brb-6-11")
    assert purchase.names_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == [
        "köp av sexuell tjänst",
        "köp av sexuell handling",
    ]
    assert purchase.label_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == (
        "köp av sexuell tjänst / köp av sexuell handling (BrB 6:11)"
    )
    assert purchase.names_between(dt.date(2021, 1, 1), dt.date(2021, 12, 31)) == [
        "köp av sexuell tjänst"
    ]
    # Procuring keeps its name: one name, but the scope widened to acts at a distance.
    procuring = Offence.objects.get(key="brb-6-12")
    assert procuring.names_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == ["koppleri"]
    assert "distans" not in procuring.scope_on(dt.date(2025, 6, 30))
    assert "distans" in procuring.scope_on(dt.date(2025, 7, 1))
    assert "distans" in purchase.scope_on(dt.date(2025, 7, 1))


def test_every_dated_name_gives_its_source_and_the_names_do_not_overlap() -> None:
    assert {n.offence_key for n in NAMES} == {row.key for row in OFFENCES}
    for name in OffenceName.objects.all():
        assert name.source, name
    for offence in Offence.objects.prefetch_related("names"):
        names = sorted(offence.names.all(), key=lambda n: n.valid_from or dt.date.min)
        for earlier, later in itertools.pairwise(names):
            assert earlier.valid_to is not None and later.valid_from is not None
            assert later.valid_from == earlier.valid_to + dt.timedelta(days=1), offence
        assert names[-1].valid_to is None and names[-1].name == offence.name, offence
    sources = set(OffenceName.objects.values_list("source", flat=True))
    assert {"prop. 2018/19:157", "prop. 2024/25:124"} <= sources


def test_seeding_the_names_again_changes_nothing() -> None:
    before = set(OffenceName.objects.values_list("pk", "name", "valid_from", "valid_to"))
    seed_offences()
    assert set(OffenceName.objects.values_list("pk", "name", "valid_from", "valid_to")) == before


def test_lists_start_with_the_sex_purchase_offences() -> None:
    keys = list(Offence.objects.values_list("key", flat=True))
    assert keys[:4] == ["brb-6-11", "brb-6-11-forsok", "brb-6-9", "brb-6-9-forsok"]
