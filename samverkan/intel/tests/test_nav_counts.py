"""The main menu's counter of new tips: for the analysts who assess them, and only their own."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.accounts.models import Collaboration, User
from samverkan.intel import actions
from samverkan.intel.models import Tip
from samverkan.intel.panels import nav_counts
from samverkan.tests.common import menu_entry

from .conftest import Login

pytestmark = pytest.mark.django_db

TIPS = reverse("intel:tip_list")
START = reverse("web:start")


def submit(user: User, collaboration: str) -> Tip:
    return actions.do_submit_tip(
        collaboration=Collaboration.objects.get(code=collaboration),
        what="Unga kvinnor förs till en lägenhet varje kväll",
        source_type="public",
        acting_user=user,
    )


def new_tips_on_the_start_page(html: str) -> int:
    match = re.search(r"New tips to assess</a> <span class=\"badge[^\"]*\">(\d+)</span>", html)
    assert match is not None
    return int(match.group(1))


def test_new_tips_are_counted_for_the_analyst_until_assessed(
    personas: dict[str, User], tip: Tip, login: Login
) -> None:
    analyst = personas["polis.analytiker"]
    submit(personas["polis.inre"], "stockholm")
    # A tip to the other collaboration's police is not theirs.
    submit(personas["gbg.handlaggare"], "goteborg")
    html = login(analyst).get(START).content.decode()
    assert menu_entry(html, TIPS) == "Tips, 2 new"
    assert new_tips_on_the_start_page(html) == 2
    # Those who submit tips, and the coordinator who plans from their summaries, count none.
    for username in (
        "polis.inre",
        "polis.utredare",
        "soc.handlaggare",
        "polis.samordnare",
        "soc.samordnare",
        "polis.chef",
    ):
        assert nav_counts(personas[username]) == [], username
        page = login(personas[username]).get(START).content.decode()
        assert menu_entry(page, TIPS) in (None, "Tips"), username

    actions.do_assess_tip(
        tip, relevance="high", urgency="urgent", assessment="Trovärdigt.", acting_user=analyst
    )
    assert menu_entry(login(analyst).get(START).content.decode(), TIPS) == "Tips, 1 new"


def test_the_counter_is_one_query(personas: dict[str, User], tip: Tip) -> None:
    analyst = personas["polis.analytiker"]
    assert analyst.agency is not None  # the user's membership: every page has read it already
    with CaptureQueriesContext(connection) as captured:
        counts = nav_counts(analyst)
    assert [c.text for c in counts] == ["1 new"]
    assert len(captured) == 1
