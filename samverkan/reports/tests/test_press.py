"""The press text agrees with its counts: one shift, one person take the singular in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.reports import definitions as d
from samverkan.reports.definitions import Figure
from samverkan.reports.press import press_text
from samverkan.reports.report import Headline, Mode, Report

pytestmark = pytest.mark.django_db  # the buyers' offence is named as in force, from the database


def _report(value: int, followed: int) -> Report:
    year = d.Filter(dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    follow = {Figure.MINORS, Figure.ADULTS, Figure.MINOR_BUYERS}
    headlines = [
        Headline(key=f, label=str(f), value=value, previous=0, followed_up=followed if f in follow else None)
        for f in (Figure.JOINT_SHIFTS, Figure.MINORS, Figure.ADULTS, Figure.BUYERS, Figure.MINOR_BUYERS)
    ]
    return Report(year, year, Mode.INTERNAL, "exact", headlines, [])


def test_one_shift_and_one_person_take_the_singular() -> None:
    sv = press_text(_report(1, 1), "sv")
    assert "Ett gemensamt pass mellan socialtjänsten och polisen har genomförts." in sv
    assert "En person under 18 år har påträffats i prostitution. Personen har länkats vidare" in sv
    assert "Samtliga" not in sv
    en = press_text(_report(1, 0), "en")
    assert "One joint shift of social services and the police has been carried out." in en
    assert "One person under 18 has been found in prostitution. They have not been referred on" in en
    assert " have been found" not in en


def test_many_take_the_plural() -> None:
    sv = press_text(_report(7, 7), "sv")
    assert "Sju gemensamma pass" in sv and "Samtliga har" in sv
    en = press_text(_report(7, 3), "en")
    assert "Seven joint shifts of social services and the police have been carried out." in en
    assert "Three of them have" in en
