"""A crime report names its offence as the law called it when the offence was committed."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.investigations.models import CrimeReport
from samverkan.investigations.tests.conftest import make_report
from samverkan.legal.models import Offence

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
Login = Callable[[User], Client]


def test_the_same_offence_is_named_by_the_law_on_the_day(
    personas: dict[str, User], offences: dict[str, Offence], login: Login
) -> None:
    officer = personas["polis.inre"]
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=STOCKHOLM), tick=False):
        before = make_report(
            officer,
            offences["brb-6-11"],
            case_number="K100001-25",
            committed_at=dt.datetime(2025, 6, 30, 23, 30, tzinfo=STOCKHOLM),
        )
        after = make_report(
            officer,
            offences["brb-6-11"],
            case_number="K100002-25",
            committed_at=dt.datetime(2025, 7, 1, 0, 30, tzinfo=STOCKHOLM),
        )
        child = make_report(
            officer,
            offences["brb-6-9"],
            case_number="K100003-19",
            committed_at=dt.datetime(2019, 12, 31, 22, 0, tzinfo=STOCKHOLM),
            buyer_aware_of_age="yes",
        )
    # One offence row for both: the rename did not move the reports.
    assert before.offence_id == after.offence_id
    assert before.offence_label == "köp av sexuell tjänst (BrB 6:11)"
    assert after.offence_label == "köp av sexuell handling (BrB 6:11)"
    assert child.offence_label == "köp av sexuell handling av barn (BrB 6:9)"

    client = login(personas["polis.utredare"])
    listing = html.unescape(client.get("/anmalningar/").content.decode())
    assert "köp av sexuell tjänst (BrB 6:11)" in listing
    assert "köp av sexuell handling (BrB 6:11)" in listing
    assert "köp av sexuell handling av barn (BrB 6:9)" in listing
    detail = html.unescape(
        client.get(reverse("investigations:report_detail", args=[before.pk])).content.decode()
    )
    assert "köp av sexuell tjänst (BrB 6:11)" in detail
    assert CrimeReport.objects.count() == 3
