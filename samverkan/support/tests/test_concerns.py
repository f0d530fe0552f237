"""Child-concern reports: the inbox and its deadlines in frozen time, handling, closing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions
from samverkan.support.models import ConcernClientLink, ConcernHandling, ConcernStatus, SupportUnit
from samverkan.support.tests.conftest import (
    NOT_SOCIAL_WORKERS,
    ClientFactory,
    EncounterFactory,
    Login,
    years_ago,
)

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM)
INBOX = reverse("support:concern_inbox")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Time frozen at T0; requested first, so that the shift and its reports are made then."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def detail_url(report: ChildConcernReport) -> str:
    return reverse("support:concern_detail", args=[report.pk])


def report_for(encounter: EncounterFactory, age_band: str = "under_18") -> ChildConcernReport:
    return ChildConcernReport.objects.get(encounter=encounter(age_band))


def section(html: str, section_id: str) -> str:
    """The HTML of ``<section id=section_id>``."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match is not None
    return match.group(0)


def handling_of(report: ChildConcernReport) -> ConcernHandling:
    return ConcernHandling.of(ChildConcernReport.objects.get(pk=report.pk))


def report_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'orosanmalningar/(\d+)/"', html)]


def handle_until_decided(report: ChildConcernReport, worker: User, decision: str = "none") -> None:
    actions.do_assess_protection(report, assessment="Inget akut skyddsbehov.", acting_user=worker)
    actions.do_decide_concern(report, decision=decision, acting_user=worker)


# --- Deadlines ---------------------------------------------------------------------------


def test_deadlines_warn_before_and_list_overdue_in_frozen_time(
    clock: time_machine.Traveller,
    encounter: EncounterFactory,
    worker: User,
    login: Login,
) -> None:
    report = report_for(encounter)
    assert report.created_at == T0

    clock.move_to(T0 + dt.timedelta(hours=1))
    page = login(worker).get(INBOX)
    assert page.status_code == 200
    html = page.content.decode()
    assert report_ids(section(html, "overdue")) == []
    open_rows = section(html, "open")
    assert report_ids(open_rows) == [report.pk]
    # Protection is due within a day: flagged; the decision is 14 days away: not.
    assert open_rows.count("Due soon") == 1
    assert "Overdue" not in open_rows

    clock.move_to(T0 + dt.timedelta(days=1, minutes=1))
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == [report.pk]

    actions.do_assess_protection(report, assessment="Placerad hos jour.", acting_user=worker)
    clock.move_to(T0 + dt.timedelta(days=11, hours=23))
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == []
    assert section(html, "open").count("Due soon") == 0  # 2 days and 1 hour left
    clock.move_to(T0 + dt.timedelta(days=12, hours=1))
    assert section(login(worker).get(INBOX).content.decode(), "open").count("Due soon") == 1

    clock.move_to(T0 + dt.timedelta(days=14, seconds=1))
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == [report.pk]

    # A late decision opens an investigation: four months from the decision.
    decided = actions.do_decide_concern(report, decision="open", acting_user=worker)
    due = decided.investigation_due
    assert due is not None and due.astimezone(STOCKHOLM).date() == dt.date(2026, 7, 16)
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == []
    clock.move_to(dt.datetime(2026, 7, 15, 10, 0, tzinfo=STOCKHOLM))
    assert "Due soon" in section(login(worker).get(INBOX).content.decode(), "open")
    clock.move_to(dt.datetime(2026, 7, 17, 0, 0, tzinfo=STOCKHOLM))
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == [report.pk]
    actions.do_finish_investigation(report, acting_user=worker)
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "overdue")) == []


def test_inbox_orders_by_next_deadline_and_hides_closed(
    clock: time_machine.Traveller, encounter: EncounterFactory, worker: User, login: Login
) -> None:
    older = report_for(encounter)
    clock.move_to(T0 + dt.timedelta(hours=3))
    newer = report_for(encounter, "uncertain")
    adult = encounter("adult")
    assert not ChildConcernReport.objects.filter(encounter=adult).exists()
    actions.do_assess_protection(older, assessment="Ok.", acting_user=worker)  # next due: day 14
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "open")) == [newer.pk, older.pk]
    handle_until_decided(newer, worker)
    actions.do_close_concern(newer, reason="Flyttat till annan kommun.", acting_user=worker)
    html = login(worker).get(INBOX).content.decode()
    assert report_ids(section(html, "open")) == [older.pk]


# --- Handling ------------------------------------------------------------------------------


def test_handle_a_report_through_the_pages(
    clock: time_machine.Traveller,
    encounter: EncounterFactory,
    worker: User,
    login: Login,
    make_client: ClientFactory,
) -> None:
    report = report_for(encounter)
    child = make_client("Ung", birth=years_ago(15))
    clock.move_to(T0 + dt.timedelta(hours=2))
    http = login(worker)
    page = http.get(detail_url(report))
    assert page.status_code == 200
    # Two reads: the filed report and social services' handling of it.
    events = AuditEvent.objects.order_by("-seq")[:2]
    assert [(e.action, e.record_type, e.record_id) for e in reversed(events)] == [
        ("view", "child_concern_report", str(report.pk)),
        ("view", "concern_handling", str(report.pk)),
    ]

    def url(name: str) -> str:
        return reverse(f"support:{name}", args=[report.pk])

    assert http.post(url("concern_decide"), {"decision-decision": "none"}).status_code == 400
    assert http.post(url("concern_assess"), {"protection-assessment": ""}).status_code == 400
    response = http.post(
        url("concern_assess"),
        {
            "protection-assessment": "Inget akut skyddsbehov.",
            "protection-assessed_at": "2999-01-01T10:00",
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    response = http.post(
        url("concern_assess"),
        {
            "protection-assessment": "Inget akut skyddsbehov.",
            "protection-assessed_at": "2026-02-30T10:00",
        },
    )
    assert response.status_code == 400
    assert handling_of(report).status == ConcernStatus.RECEIVED
    assert not ConcernHandling.objects.filter(report=report).exists()  # nothing done yet

    assessed_at = report.created_at.astimezone(STOCKHOLM) + dt.timedelta(minutes=30)
    response = http.post(
        url("concern_assess"),
        {
            "protection-assessment": "Inget akut skyddsbehov.",
            "protection-assessed_at": f"{assessed_at:%Y-%m-%dT%H:%M}",
        },
    )
    assert response.status_code == 302
    assert http.post(url("concern_decide"), {"decision-decision": "maybe"}).status_code == 400
    response = http.post(
        url("concern_decide"),
        {
            "decision-decision": "open",
            "decision-decided_at": f"{assessed_at + dt.timedelta(minutes=5):%Y-%m-%dT%H:%M}",
        },
    )
    assert response.status_code == 302
    assert http.post(url("concern_link_client"), {"client-client": "999999"}).status_code == 400
    assert http.post(url("concern_link_client"), {"client-client": child.pk}).status_code == 302
    assert ConcernClientLink.objects.get(report=report).client == child
    # Not closable while the investigation runs.
    response = http.post(url("concern_close"), {"close-closure_reason": "Klart."})
    assert response.status_code == 400
    assert (
        http.post(
            url("concern_finish"),
            {"finish-finished_at": f"{assessed_at + dt.timedelta(minutes=10):%Y-%m-%dT%H:%M}"},
        ).status_code
        == 302
    )

    # No referral and no reason: refused, with the reason why.
    response = http.post(url("concern_close"), {"close-closure_reason": "  "})
    assert response.status_code == 400
    assert "A child cannot be closed out without support" in response.content.decode()
    assert handling_of(report).status != ConcernStatus.CLOSED

    actions.do_refer(
        child,
        unit=SupportUnit.objects.get(code="sthlm-ungdomsjouren"),
        sent_on=report.created_at.astimezone(STOCKHOLM).date(),
        acting_user=worker,
    )
    assert "Ungdomsjouren" in http.get(detail_url(report)).content.decode()
    assert http.post(url("concern_close"), {"close-closure_reason": ""}).status_code == 302
    handling = handling_of(report)
    assert handling.status == ConcernStatus.CLOSED and handling.closure_reason == ""
    assert handling.handled_by == worker
    assert handling.agency == report.addressed_to
    # Closed: nothing more can be changed.
    assert http.post(url("concern_link_client"), {"client-client": child.pk}).status_code == 400


def test_closing_without_referral_or_reason_is_refused(
    encounter: EncounterFactory, worker: User, make_client: ClientFactory
) -> None:
    report = report_for(encounter)
    handle_until_decided(report, worker)
    with pytest.raises(ValidationError) as caught:
        actions.do_close_concern(report, reason="", acting_user=worker)
    assert "closure_reason" in caught.value.message_dict
    # A declined referral does not count, nor does one from before the report.
    child = make_client("Ung", birth=years_ago(16))
    actions.do_link_concern_to_client(report, client=child, acting_user=worker)
    unit = SupportUnit.objects.get(code="sthlm-socialjouren")
    before = report.created_at.date() - dt.timedelta(days=30)
    actions.do_refer(child, unit=unit, sent_on=before, acting_user=worker)
    referral = actions.do_refer(
        child, unit=unit, sent_on=report.created_at.date(), acting_user=worker
    )
    actions.do_update_referral(
        referral, status="declined", on=referral.sent_on, reason="Ej aktuellt", acting_user=worker
    )
    with pytest.raises(ValidationError):
        actions.do_close_concern(report, acting_user=worker)
    # Nor does a tip to a tip line: it is not support for the child.
    actions.do_refer(
        child,
        unit=SupportUnit.objects.get(code="ecpat-hotline"),
        sent_on=report.created_at.date(),
        acting_user=worker,
    )
    with pytest.raises(ValidationError):
        actions.do_close_concern(report, acting_user=worker)
    assert handling_of(report).status != ConcernStatus.CLOSED
    closed = actions.do_close_concern(
        report, reason="Barnet bor i annan kommun; överlämnat.", acting_user=worker
    )
    assert closed.status == ConcernStatus.CLOSED
    assert closed.closure_reason.startswith("Barnet")


def test_handling_order_is_enforced(encounter: EncounterFactory, worker: User) -> None:
    report = report_for(encounter)
    with pytest.raises(ValidationError):
        actions.do_close_concern(report, reason="x", acting_user=worker)
    with pytest.raises(ValidationError):
        actions.do_finish_investigation(report, acting_user=worker)
    actions.do_assess_protection(report, assessment="Ok", acting_user=worker)
    with pytest.raises(ValidationError):
        actions.do_assess_protection(report, assessment="Again", acting_user=worker)
    actions.do_decide_concern(report, decision="none", acting_user=worker)
    with pytest.raises(ValidationError):
        actions.do_decide_concern(report, decision="open", acting_user=worker)
    with pytest.raises(ValidationError):
        actions.do_finish_investigation(report, acting_user=worker)
    # The first action creates the handling, the second changes it; nothing on the report.
    events = AuditEvent.objects.filter(
        record_type="concern_handling", record_id=str(report.pk)
    ).order_by("seq")
    assert [e.action for e in events] == ["create", "update"]
    assert not AuditEvent.objects.filter(
        record_type="child_concern_report", record_id=str(report.pk), action="update"
    ).exists()


def test_a_time_typed_to_the_minute_of_the_previous_step_is_that_steps_time(
    clock: time_machine.Traveller, encounter: EncounterFactory, worker: User, login: Login
) -> None:
    """The forms give the time to the minute: a report assessed as soon as it came in is not refused."""
    clock.move_to(T0 + dt.timedelta(seconds=40))
    report = report_for(encounter)
    minute = T0.strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(ValidationError):
        actions.do_assess_protection(
            report, assessment="Ok", assessed_at=T0 - dt.timedelta(minutes=1), acting_user=worker
        )
    response = login(worker).post(
        reverse("support:concern_assess", args=[report.pk]),
        {"protection-assessment": "Inget akut skyddsbehov.", "protection-assessed_at": minute},
    )
    assert response.status_code == 302
    handling = ConcernHandling.objects.get(report=report)
    assert handling.protection_assessed_at == report.created_at == T0 + dt.timedelta(seconds=40)


def test_linking_a_report_to_another_client_than_its_encounters_is_refused(
    encounter: EncounterFactory, worker: User, make_client: ClientFactory
) -> None:
    met = encounter("under_18")
    report = ChildConcernReport.objects.get(encounter=met)
    first, second = make_client("Ett"), make_client("Två")
    actions.do_link_encounter(first, encounter=met, acting_user=worker)
    with pytest.raises(ValidationError):
        actions.do_link_concern_to_client(report, client=second, acting_user=worker)
    assert ConcernClientLink.objects.get(report=report).client == first


# --- Who may handle -------------------------------------------------------------------------


@pytest.mark.parametrize("username", NOT_SOCIAL_WORKERS)
def test_only_social_workers_see_the_inbox(
    personas: dict[str, User], login: Login, encounter: EncounterFactory, username: str
) -> None:
    report = report_for(encounter)
    http = login(personas[username])
    assert http.get(INBOX).status_code == 404
    assert http.get(detail_url(report)).status_code == 404
    for name in (
        "concern_assess",
        "concern_decide",
        "concern_finish",
        "concern_link_client",
        "concern_client_search",
        "concern_close",
    ):
        assert http.post(reverse(f"support:{name}", args=[report.pk]), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.do_assess_protection(report, assessment="x", acting_user=personas[username])


def test_another_municipality_sees_none_of_stockholms_reports(
    personas: dict[str, User], login: Login, encounter: EncounterFactory
) -> None:
    report = report_for(encounter)
    outsider = personas["gbg.handlaggare"]
    http = login(outsider)
    inbox = http.get(INBOX)
    assert inbox.status_code == 200
    assert report.pk not in report_ids(inbox.content.decode())
    assert http.get(detail_url(report)).status_code == 404
    response = http.post(
        reverse("support:concern_assess", args=[report.pk]), {"protection-assessment": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        actions.do_assess_protection(report, assessment="x", acting_user=outsider)
    assert not ConcernHandling.objects.filter(report=report).exists()


@pytest.mark.parametrize(
    ("method", "name", "with_pk"),
    [
        ("post", "concern_inbox", False),
        ("post", "concern_detail", True),
        ("get", "concern_assess", True),
        ("get", "concern_decide", True),
        ("get", "concern_finish", True),
        ("get", "concern_link_client", True),
        ("get", "concern_close", True),
    ],
)
def test_wrong_method_is_405(
    worker: User, login: Login, encounter: EncounterFactory, method: str, name: str, with_pk: bool
) -> None:
    report = report_for(encounter)
    url = reverse(f"support:{name}", args=[report.pk] if with_pk else [])
    assert getattr(login(worker), method)(url).status_code == 405


def test_inbox_query_count_is_flat(
    worker: User, login: Login, encounter: EncounterFactory, django_assert_max_num_queries: object
) -> None:
    http = login(worker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(INBOX).status_code == 200
        return len(captured)

    actions.do_assess_protection(report_for(encounter), assessment="Ok.", acting_user=worker)
    # One nobody has acted on yet, which the menu's counter reads too.
    report_for(encounter)
    one = queries()
    for _ in range(5):
        report_for(encounter)
    # The reports and their handling: one query each, however many there are.
    assert queries() == one
    # The reports, their handling and the dated deadlines (legal.ConcernDeadline): once each;
    # the navigation's count of unread notifications (web.context_processors.nav_counts) and
    # the menu's counters: of reports (support.panels.nav_counts: three) and of disclosures (one).
    with django_assert_max_num_queries(22):  # type: ignore[operator]
        assert http.get(INBOX).status_code == 200


def test_the_client_picker_searches_through_the_gate_and_logs_what_it_shows(
    encounter: EncounterFactory, worker: User, login: Login, make_client: ClientFactory, personas: dict[str, User]
) -> None:
    """The picker shows no name until a search; a search answers the link form's own clients and is logged."""
    report = report_for(encounter)
    child = make_client("Ungdomen", birth=years_ago(15))
    http = login(worker)
    url = reverse("support:concern_client_search", args=[report.pk])
    assert http.get(url).status_code == 405
    page = http.get(detail_url(report)).content.decode()
    assert "data-picker" in page
    found = http.post(url, {"q": "ungdom"})
    assert found.status_code == 200
    assert f'name="client-client" value="{child.pk}"' in found.content.decode()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.record_type) == ("list", "client")
    assert str(child.pk) in event.detail
    # Nothing typed: nothing shown, nothing logged; too long: refused.
    before = AuditEvent.objects.count()
    assert "value=" not in http.post(url, {"q": ""}).content.decode()
    assert AuditEvent.objects.count() == before
    assert http.post(url, {"q": "x" * 101}).status_code == 400
    # Another municipality's worker finds neither the report nor the client.
    assert login(personas["gbg.handlaggare"]).post(url, {"q": "ungdom"}).status_code == 404
