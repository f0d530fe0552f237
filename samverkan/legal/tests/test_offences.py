"""Offences are dated reference data, seeded idempotently."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.legal.models import Offence
from samverkan.legal.reference import OFFENCES, seed_offences

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
    assert by_key["brb-6-11"].seller_is_witness
    assert not by_key["brb-6-9"].seller_is_witness
    assert str(by_key["brb-6-12-grovt"]) == "grovt koppleri (BrB 6:12)"


def test_a_renamed_offence_is_a_new_dated_row() -> None:
    old = Offence.objects.get(key="brb-6-11")
    old.valid_to = dt.date(2030, 6, 30)
    old.save()
    Offence.objects.create(
        key="brb-6-11-test",
        code="BrB 6:11",
        name="nytt namn",
        valid_from=dt.date(2030, 7, 1),
        counts_as_sex_purchase=True,
    )
    on_old = Offence.objects.valid_on(dt.date(2030, 6, 30)).filter(code="BrB 6:11", attempt=False)
    on_new = Offence.objects.valid_on(dt.date(2030, 7, 1)).filter(code="BrB 6:11", attempt=False)
    assert [o.name for o in on_old] == ["köp av sexuell tjänst"]
    assert [o.name for o in on_new] == ["nytt namn"]


def test_lists_start_with_the_sex_purchase_offences() -> None:
    keys = list(Offence.objects.values_list("key", flat=True))
    assert keys[:4] == ["brb-6-11", "brb-6-11-forsok", "brb-6-9", "brb-6-9-forsok"]
