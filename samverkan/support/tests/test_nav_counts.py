"""The main menu's counter of child-concern reports: new, due soon and overdue, per persona.

The counter is counted through the same access rules as the inbox (never a report the user
may not see), agrees with the inbox and the start page, and reads only the few reports that
may need someone (``support.panels.may_be_urgent``), in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import Area, AreaKind, Collaboration, User
from samverkan.operations import actions as ops
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions
from samverkan.support.models import concern_reports_handled_by, open_concern_reports
from samverkan.support.panels import _rows, concern_counts, nav_counts
from samverkan.support.tests.conftest import EncounterFactory, Login
from samverkan.tests.common import menu_entry

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM)
INBOX = reverse("support:concern_inbox")
START = reverse("web:start")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Time frozen at T0; requested first, so that the shift and its reports are made then."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def report_for(encounter: EncounterFactory) -> ChildConcernReport:
    return ChildConcernReport.objects.get(encounter=encounter("under_18"))


def report_in_goteborg(personas: dict[str, User]) -> ChildConcernReport:
    """A possible minor met on a joint shift of the other collaboration: its report goes to Göteborg."""
    officer, worker = personas["vast.polis"], personas["gbg.handlaggare"]
    area, _ = Area.objects.get_or_create(
        code="test-lpo-hisingen",
        defaults={
            "name": "Hisingen (test)",
            "kind": AreaKind.LOCAL_POLICE_AREA,
            "agency": officer.agency,
        },
    )
    collaboration = Collaboration.objects.get(code="goteborg")
    hotel, _ = ops.do_find_or_create_venue(
        collaboration=collaboration, kind="hotel", name="Hotell Väst", acting_user=officer
    )
    start = timezone.now() - dt.timedelta(hours=1)
    shift = ops.do_create_shift(
        collaboration=collaboration,
        area=area,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        basis="outreach",
        participants=[officer, worker],
        acting_user=officer,
    )
    ops.do_start_shift(shift, acting_user=officer)
    met, _ = ops.do_record_encounter(
        shift, role="exploited", age_band="under_18", venue=hotel, acting_user=officer
    )
    return ChildConcernReport.objects.get(encounter=met)


def overdue_in_inbox(html: str) -> int:
    match = re.search(r'id="overdue-heading">[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    assert match is not None
    return int(match.group(1))


# --- Who sees a counter ------------------------------------------------------------------


def test_a_new_report_is_counted_for_its_handlers_and_nobody_else(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    report_for(encounter)
    html = login(personas["soc.handlaggare"]).get(START).content.decode()
    assert menu_entry(html, INBOX) == "Child-concern reports, 1 new"
    # The folded menu's button says that something waits in it.
    assert re.search(r'class="menu-button"[^>]*>Menu<span class="menu-button__waits"', html)
    # The police filed it but never see its handling; a manager sees figures on the start
    # page, not a counter; the other municipality's social worker has a report of their own.
    report_in_goteborg(personas)
    for username, expected in (
        ("polis.inre", None),
        ("polis.utredare", None),
        ("polis.analytiker", None),
        ("polis.chef", None),
        ("soc.chef", None),
        ("soc.samordnare", None),
        ("soc.granskare", None),
        ("gbg.handlaggare", "Child-concern reports, 1 new"),
    ):
        page = login(personas[username]).get(START).content.decode()
        assert menu_entry(page, INBOX) == expected, username
        if expected is None:
            assert nav_counts(personas[username]) == [], username
            assert not re.search(r"\d+ (new|overdue|due soon)<", page), username
    # Stockholm's social worker still counts one: Göteborg's report is not theirs.
    assert [c.count for c in nav_counts(personas["soc.handlaggare"])] == [1]


def test_the_counter_goes_once_someone_has_acted(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    worker = personas["soc.handlaggare"]
    report = report_for(encounter)
    actions.do_assess_protection(report, assessment="Inget akut skyddsbehov.", acting_user=worker)
    html = login(worker).get(START).content.decode()
    # Assessed: not new, and the decision is due in 14 days, not soon.
    assert menu_entry(html, INBOX) == "Child-concern reports"
    assert "menu-button__waits" not in html


# --- Counts that match the lists ---------------------------------------------------------


@pytest.fixture
def reports_in_every_state(
    clock: time_machine.Traveller, personas: dict[str, User], encounter: EncounterFactory
) -> dict[str, ChildConcernReport]:
    """Reports received at T0 and handled in the first hours: every step open or done."""
    worker = personas["soc.handlaggare"]
    made = {
        name: report_for(encounter)
        for name in ("new", "assessed", "open", "none", "finished", "closed")
    }
    clock.move_to(T0 + dt.timedelta(hours=1))
    for name in ("assessed", "open", "none", "finished", "closed"):
        actions.do_assess_protection(made[name], assessment="Bedömd.", acting_user=worker)
    clock.move_to(T0 + dt.timedelta(hours=2))
    for name, decision in (
        ("open", "open"),
        ("none", "none"),
        ("finished", "open"),
        ("closed", "none"),
    ):
        actions.do_decide_concern(made[name], decision=decision, acting_user=worker)
    clock.move_to(T0 + dt.timedelta(hours=3))
    actions.do_finish_investigation(made["finished"], acting_user=worker)
    actions.do_close_concern(made["closed"], reason="Barnet har flyttat.", acting_user=worker)
    return made


@pytest.mark.parametrize(
    ("later", "menu", "overdue"),
    [
        # The protection assessment of the new one is due within a day: new, said once.
        (dt.timedelta(hours=4), "Child-concern reports, 1 new", 0),
        (dt.timedelta(days=2), "Child-concern reports, 1 new, 1 overdue", 1),
        # The decision on the assessed one is due at T0 + 14 days.
        (dt.timedelta(days=12, hours=12), "Child-concern reports, 1 new, 1 due soon, 1 overdue", 1),
        (dt.timedelta(days=15), "Child-concern reports, 1 new, 2 overdue", 2),
        # The open investigation is due four months after the decision (T0 + 2 h).
        (dt.timedelta(days=121), "Child-concern reports, 1 new, 1 due soon, 2 overdue", 2),
        (dt.timedelta(days=125), "Child-concern reports, 1 new, 3 overdue", 3),
    ],
)
def test_the_counter_matches_the_inbox_and_the_start_page(
    clock: time_machine.Traveller,
    reports_in_every_state: dict[str, ChildConcernReport],
    personas: dict[str, User],
    login: Login,
    later: dt.timedelta,
    menu: str,
    overdue: int,
) -> None:
    clock.move_to(T0 + later)
    http = login(personas["soc.handlaggare"])
    inbox = http.get(INBOX).content.decode()
    assert menu_entry(inbox, INBOX) == menu
    assert overdue_in_inbox(inbox) == overdue
    start = http.get(START).content.decode()
    assert menu_entry(start, INBOX) == menu
    new_line = re.search(
        r"New, nobody has acted on them yet.*?<span class=\"badge[^\"]*\">(\d+)</span>", start, re.S
    )
    assert new_line is not None and new_line.group(1) == "1"


def test_the_shortcut_agrees_with_reading_every_open_report(
    clock: time_machine.Traveller,
    reports_in_every_state: dict[str, ChildConcernReport],
    personas: dict[str, User],
) -> None:
    """``may_be_urgent`` narrows in SQL; counting every open report gives the same, at any time."""
    worker = personas["soc.handlaggare"]
    for hours in (
        0,
        4,
        23,
        25,
        26,
        24 * 2,
        24 * 11,
        24 * 12 + 2,
        24 * 13,
        24 * 14 + 3,
        24 * 16,
        24 * 100,
        24 * 118,
        24 * 119,
        24 * 120,
        24 * 121,
        24 * 122,
        24 * 123,
        24 * 200,
    ):
        now = T0 + dt.timedelta(hours=hours)
        rows = _rows(open_concern_reports(concern_reports_handled_by(worker)), now)
        new = sum(1 for row in rows if row.handling._state.adding)
        overdue = sum(1 for row in rows if row.overdue)
        soon = sum(
            1
            for row in rows
            if not row.overdue
            and not row.handling._state.adding
            and any(d.soon for d in row.deadlines)
        )
        counts = concern_counts(worker, now)
        assert (counts.new, counts.soon, counts.overdue) == (new, soon, overdue), hours


def test_the_counter_reads_a_fixed_number_of_small_queries(
    clock: time_machine.Traveller,
    reports_in_every_state: dict[str, ChildConcernReport],
    personas: dict[str, User],
    encounter: EncounterFactory,
) -> None:
    worker = personas["soc.handlaggare"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            nav_counts(worker)
        return len(captured)

    one = queries()
    assert one <= 3  # the deadlines, the reports that may be urgent, their handling
    for _ in range(5):
        actions.do_assess_protection(
            report_for(encounter), assessment="Bedömd.", acting_user=worker
        )
    assert queries() == one
