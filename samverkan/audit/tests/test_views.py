"""The auditor's list and CSV export (a background job), through HTTP with the personas."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverkan.accounts.models import Agency, Role, User
from samverkan.audit.actions import do_record_event, verify_chain
from samverkan.audit.export import CSV_COLUMNS, FORMULA_TRIGGERS
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.views import PAGE_SIZE
from samverkan.demo.personas import STOCKHOLM_POLICE
from samverkan.jobs.models import Job
from samverkan.jobs.tests import exporting

LIST = "/logg/"
# The export button starts a job (POST); its file is downloaded from the job's page.
EXPORT = "/jobb/export/logg/"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

Login = Callable[[User], Client]


def rows_on_page(html: str) -> list[int]:
    """The sequence numbers of the events listed on a page, top to bottom."""
    return [int(n) for n in re.findall(r'<th scope="row"[^>]*>(\d+)</th>', html)]


def csv_rows(response: HttpResponseBase) -> list[list[str]]:
    return list(csv.reader(io.StringIO(exporting.body(response).decode("utf-8-sig"))))


def exported(client: Client, query: dict[str, str] | None = None) -> list[list[str]]:
    """The rows of the file an export job wrote for ``query``."""
    return csv_rows(exporting.download(client, EXPORT, query))


def ask(client: Client, url: str, query: dict[str, str] | None = None) -> HttpResponseBase:
    """The list is read with GET; the export is started with POST."""
    return client.get(url, query) if url == LIST else client.post(url, query or {})


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


@pytest.fixture
def auditor(personas: dict[str, User], login: Login) -> Client:
    return login(personas["polis.granskare"])


@pytest.fixture
def agency_events(personas: dict[str, User]) -> None:
    """One event in each agency's log, each with a marker in its detail."""
    for username in ("polis.inre", "soc.handlaggare", "vast.polis", "gbg.handlaggare"):
        do_record_event(
            user=personas[username],
            action=AuditAction.VIEW,
            record_type="encounter",
            record_id=7,
            detail=f"marker-{username}",
        )


# --- Who may see what ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("auditor_name", "own", "others"),
    [
        ("polis.granskare", "polis.inre", ("soc.handlaggare", "vast.polis", "gbg.handlaggare")),
        ("soc.granskare", "soc.handlaggare", ("polis.inre", "vast.polis", "gbg.handlaggare")),
    ],
)
def test_auditor_sees_only_own_agencys_events(
    personas: dict[str, User],
    login: Login,
    agency_events: None,
    auditor_name: str,
    own: str,
    others: tuple[str, ...],
) -> None:
    client = login(personas[auditor_name])

    page = client.get(LIST).content.decode()
    export = exported(client)

    assert f"marker-{own}" in page
    assert any(f"marker-{own}" in row for row in export)
    for other in others:
        assert f"marker-{other}" not in page
        assert not any(f"marker-{other}" in row for row in export)


def test_list_shows_the_event_and_writes_a_list_event(
    personas: dict[str, User], auditor: Client, agency_events: None
) -> None:
    response = auditor.get(LIST, {"action": "view", "user": "inre"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html
    assert "polis.inre" in html
    assert str(Role.POLICE_OFFICER.label) in html
    event = last_event()
    assert event.action == AuditAction.LIST
    assert event.username == "polis.granskare"
    assert event.agency == Agency.objects.get(code=STOCKHOLM_POLICE)
    assert event.record_type == "audit_event"
    assert "action=view" in event.detail
    assert "user=inre" in event.detail
    assert verify_chain()[1] is None


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_everyone_but_auditors_gets_404_and_is_logged_as_denied(
    personas: dict[str, User], login: Login, url: str
) -> None:
    outsiders = [u for u in personas.values() if u.role is not Role.AUDITOR]
    assert len(outsiders) == len(personas) - 2

    for user in outsiders:
        response = ask(login(user), url)

        assert response.status_code == 404, user.username
        denied = last_event()
        assert (denied.action, denied.username) == (AuditAction.DENIED, user.username)
        assert denied.agency_id == user.membership.agency_id  # type: ignore[union-attr]
        assert denied.record_type == "audit_event"
        assert denied.detail == ("audit log list" if url == LIST else "audit log export")
    assert not AuditEvent.objects.filter(action__in=[AuditAction.LIST, AuditAction.EXPORT]).exists()
    assert not Job.objects.exists()


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_anonymous_is_sent_to_login(client: Client, db: None, url: str) -> None:
    response = ask(client, url)

    assert response.status_code == 302
    assert response["Location"] == f"/konto/logga-in/?next={url}"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("url", "method"),
    [(LIST, "post"), (LIST, "put"), (LIST, "delete"), (EXPORT, "get"), (EXPORT, "put"), (EXPORT, "delete")],
)
def test_only_get_lists_and_only_post_exports(auditor: Client, url: str, method: str) -> None:
    response = getattr(auditor, method)(url)

    assert response.status_code == 405
    assert not AuditEvent.objects.exists()


# --- Filters --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, EXPORT])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2021-13-45"}, "Enter a date as YYYY-MM-DD."),
        ({"date_to": "tomorrow"}, "Enter a date as YYYY-MM-DD."),
        ({"date_from": "0001-01-01"}, "2000-01-01"),
        (
            {"date_from": "2021-05-02", "date_to": "2021-05-01"},
            "The end date is before the start date.",
        ),
        ({"action": "steal"}, "Select a valid choice."),
        ({"record_type": "everything"}, "Select a valid choice."),
        ({"user": "x" * 151}, "at most 150 characters"),
        ({"record_id": "1\x002"}, "Null characters are not allowed."),
    ],
)
def test_bad_filter_is_a_400_with_a_message(
    auditor: Client, url: str, query: dict[str, str], message: str
) -> None:
    if url == LIST:
        response = auditor.get(url, query, headers={"Accept-Language": "en"})
    else:
        response = auditor.post(url, query, headers={"Accept-Language": "en"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist"' in html
    assert message in html.replace("&#x27;", "'")
    assert not AuditEvent.objects.exists()
    assert not Job.objects.exists()


@pytest.fixture
def varied_events(personas: dict[str, User]) -> dict[str, AuditEvent]:
    """Police events that differ in user, record, action and (Stockholm) day."""
    officer, investigator = personas["polis.inre"], personas["polis.utredare"]
    made = {}
    with time_machine.travel(datetime.datetime(2021, 5, 1, 23, 30, tzinfo=STOCKHOLM), tick=False):
        made["late_may_1"] = do_record_event(
            user=officer, action=AuditAction.VIEW, record_type="client", record_id=11
        )
    with time_machine.travel(datetime.datetime(2021, 5, 2, 0, 30, tzinfo=STOCKHOLM), tick=False):
        made["early_may_2"] = do_record_event(
            user=investigator, action=AuditAction.UPDATE, record_type="crime_report", record_id=12
        )
    with time_machine.travel(datetime.datetime(2021, 6, 1, 12, 0, tzinfo=STOCKHOLM), tick=False):
        made["june"] = do_record_event(
            user=officer, action=AuditAction.CREATE, record_type="encounter", record_id=11
        )
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"late_may_1", "early_may_2", "june"}),
        ({"user": "UTRED"}, {"early_may_2"}),
        ({"record_type": "client"}, {"late_may_1"}),
        ({"record_id": "11"}, {"late_may_1", "june"}),
        ({"action": "create"}, {"june"}),
        ({"date_from": "2021-05-02"}, {"early_may_2", "june"}),
        ({"date_to": "2021-05-01"}, {"late_may_1"}),
        ({"date_from": "2021-05-01", "date_to": "2021-05-31"}, {"late_may_1", "early_may_2"}),
        ({"record_id": "11", "action": "view"}, {"late_may_1"}),
        ({"user": "nobody"}, set()),
    ],
)
def test_filters_narrow_the_list_and_the_export(
    auditor: Client,
    varied_events: dict[str, AuditEvent],
    query: dict[str, str],
    expected: set[str],
) -> None:
    # Only the events made above: the auditor's own list events land in the same log.
    made = {event.seq: name for name, event in varied_events.items()}

    listed = rows_on_page(auditor.get(LIST, query).content.decode())
    in_file = [int(row[0]) for row in exported(auditor, query)[1:]]

    assert {made[seq] for seq in listed if seq in made} == expected
    assert {made[seq] for seq in in_file if seq in made} == expected


def test_list_is_paginated_newest_first(personas: dict[str, User], auditor: Client) -> None:
    officer = personas["polis.inre"]
    for n in range(2 * PAGE_SIZE + 20):
        do_record_event(user=officer, action=AuditAction.VIEW, record_type="shift", record_id=n)
    newest = last_event().seq

    first = rows_on_page(auditor.get(LIST, {"action": "view"}).content.decode())
    third = auditor.get(LIST, {"action": "view", "page": "3"})
    beyond = auditor.get(LIST, {"action": "view", "page": "99"})
    nonsense = auditor.get(LIST, {"action": "view", "page": "x"})

    assert first == list(range(newest, newest - PAGE_SIZE, -1))
    assert rows_on_page(third.content.decode()) == list(range(20, 0, -1))
    assert rows_on_page(beyond.content.decode()) == list(range(20, 0, -1))
    assert rows_on_page(nonsense.content.decode()) == first
    html = third.content.decode()
    assert "page=2" in html
    assert "action=view" in html
    assert "page=4" not in html


def test_list_query_count_does_not_grow_with_the_events(
    personas: dict[str, User], auditor: Client
) -> None:
    officer = personas["polis.inre"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert auditor.get(LIST).status_code == 200
        return len(captured)

    do_record_event(user=officer, action=AuditAction.VIEW)
    few = queries()
    for n in range(PAGE_SIZE + 10):
        do_record_event(user=officer, action=AuditAction.VIEW, record_id=n)
    assert queries() == few


# --- Export ---------------------------------------------------------------------------

FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1")


def test_export_neutralises_formulas_and_is_logged(
    personas: dict[str, User], auditor: Client
) -> None:
    police = Agency.objects.get(code=STOCKHOLM_POLICE)
    do_record_event(
        user=None,
        action=AuditAction.LOGIN_FAILED,
        username="=cmd|' /C calc'!A0",
        detail="wrong password",
        agency=police,
    )
    for text in FORMULAS[1:]:
        do_record_event(user=personas["polis.inre"], action=AuditAction.VIEW, purpose=text)
    before = last_event().seq

    response = exporting.download(auditor, EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="audit-{STOCKHOLM_POLICE}-'
    )
    rows = csv_rows(response)
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 1 + len(FORMULAS)
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]
    by_seq = {int(row[0]): dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_seq[1]["username"] == "'=cmd|' /C calc'!A0"
    assert by_seq[1]["action"] == "login_failed"
    assert sorted(row["purpose"] for seq, row in by_seq.items() if seq > 1) == sorted(
        "'" + text for text in FORMULAS[1:]
    )

    # The file is the log up to the job's start (its create event), the download is the export.
    job = Job.objects.get()
    start, export = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert (start.action, start.record_id) == (AuditAction.CREATE, f"job:{job.pk}")
    assert (export.action, export.username, export.record_id) == (
        AuditAction.EXPORT, "polis.granskare", f"job:{job.pk}",
    )
    assert export.record_type == "audit_event"
    assert verify_chain() == (export.seq, None)


def test_filtered_export_logs_its_filter(auditor: Client, agency_events: None) -> None:
    rows = exported(auditor, {"record_type": "encounter", "record_id": "7"})

    assert len(rows) == 2
    export = last_event()
    assert export.action == AuditAction.EXPORT
    assert "record_type=encounter" in export.detail
    assert "record_id=7" in export.detail
