"""Start pages by role and the notifications that lead to a child-concern report.

What each role sees first (its work, never more than the policy grants), the
notifications a new report, its deadlines, a disclosure request and its answer
leave, the notifications page, and the e-mail digest that says only that something waits.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.notices.models import Notice, NoticeKind
from samverkan.notices.reminders import run
from samverkan.operations.models import ChildConcernReport
from samverkan.support.tests.conftest import EncounterFactory, Login

START = reverse("web:start")
NOTICES = reverse("notices:list")


def panel(html: str, key: str) -> str:
    match = re.search(rf'<section class="card start-panel" id="panel-{key}".*?</section>', html, re.S)
    assert match is not None, f"no panel {key}"
    return match.group(0)


def panel_keys(html: str) -> list[str]:
    return re.findall(r'id="panel-([a-z_]+)"', html)


# --- Notifications ------------------------------------------------------------------------


def test_a_new_concern_report_notifies_its_handlers_only(
    personas: dict[str, User], encounter: EncounterFactory
) -> None:
    met = encounter("under_18")
    report = ChildConcernReport.objects.get(encounter=met)
    notified = set(Notice.objects.filter(kind=NoticeKind.CONCERN_NEW).values_list("recipient__username", flat=True))
    # The social workers of the agency the report is addressed to; nobody of the police,
    # no manager, no auditor, nobody of another municipality.
    assert notified == {"soc.handlaggare"}
    notice = Notice.objects.get(kind=NoticeKind.CONCERN_NEW)
    assert notice.link == reverse("support:concern_detail", args=[report.pk])


def test_the_notification_leads_to_the_report_and_is_then_read(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    encounter("under_18")
    worker = personas["soc.handlaggare"]
    http = login(worker)
    page = http.get(NOTICES).content.decode()
    assert "A new child-concern report" in page
    notice = Notice.objects.get(recipient=worker)
    response = http.post(reverse("notices:open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == notice.link
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert http.get(notice.link).status_code == 200


def test_nobody_opens_or_marks_another_users_notification(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    encounter("under_18")
    notice = Notice.objects.get(recipient=personas["soc.handlaggare"])
    other = login(personas["gbg.handlaggare"])
    assert other.post(reverse("notices:open", args=[notice.pk])).status_code == 404
    assert other.post(reverse("notices:read_all")).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is None
    assert "A new child-concern report" not in other.get(NOTICES).content.decode()


def test_mark_all_read_and_the_navigation_counter(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    encounter("under_18")
    encounter("under_18")
    worker = personas["soc.handlaggare"]
    http = login(worker)
    html = http.get(START).content.decode()
    assert re.search(r'class="nav-count".*?<span class="badge[^"]*">.*?2</span>', html, re.S)
    http.post(reverse("notices:read_all"))
    assert Notice.objects.of(worker).unread().count() == 0
    html = http.get(START).content.decode()
    assert not re.search(r'class="nav-count"[^>]*>[^<]*<span class="badge', html)


def test_the_counter_is_one_query_at_most(personas: dict[str, User], encounter: EncounterFactory, login: Login) -> None:
    encounter("under_18")
    http = login(personas["soc.handlaggare"])
    with CaptureQueriesContext(connection) as captured:
        http.get(reverse("notices:list"))
    counts = [q["sql"] for q in captured.captured_queries if "notices_notice" in q["sql"] and "COUNT" in q["sql"].upper()]
    assert len(counts) == 2  # the pages' count, and the unread ones (the navigation's, reused by the page)


def test_deadline_reminders_once_each_and_the_digest_carries_no_personal_data(
    personas: dict[str, User], encounter: EncounterFactory, settings: pytest.FixtureRequest
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    worker = personas["soc.handlaggare"]
    worker.email = "handlaggare@example.org"
    worker.save()
    met = encounter("under_18")
    report = ChildConcernReport.objects.get(encounter=met)
    # The protection assessment is due at once: within 24 hours, and soon past it.
    first = run(now=timezone.now())
    assert Notice.objects.filter(recipient=worker, kind__in=[NoticeKind.CONCERN_DUE, NoticeKind.CONCERN_OVERDUE]).exists()
    assert first.emailed == 1
    message = mail.outbox[0]
    assert message.to == ["handlaggare@example.org"]
    body = f"{message.subject}{message.body}"
    assert reverse("notices:list") in body
    assert str(report.pk) not in re.sub(r"\(\d+\)", "", body)  # a count of notifications, never a record
    assert "orosanm" not in body.lower() and "child" not in body.lower()
    # Run again: nothing new, no second e-mail.
    again = run(now=timezone.now())
    assert again.notified == 0 and again.emailed == 0
    # A day later the deadline has passed: the overdue reminder, once.
    later = run(now=timezone.now() + dt.timedelta(days=20))
    assert later.notified >= 1
    assert Notice.objects.filter(recipient=worker, kind=NoticeKind.CONCERN_OVERDUE).exists()
    assert run(now=timezone.now() + dt.timedelta(days=20)).notified == 0


def test_send_reminders_command(personas: dict[str, User], encounter: EncounterFactory, capsys: pytest.CaptureFixture[str]) -> None:
    encounter("under_18")
    call_command("send_reminders")
    assert "notified" in capsys.readouterr().out


def test_send_reminders_as_a_job(personas: dict[str, User], encounter: EncounterFactory, settings: pytest.FixtureRequest) -> None:
    from samverkan.jobs.models import Job, JobState
    from samverkan.jobs.tasks import run_job

    encounter("under_18")
    call_command("send_reminders", queue="soc.samordnare")
    job = Job.objects.get(kind="notice_reminders")
    run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error


# --- Start pages --------------------------------------------------------------------------


def test_social_worker_sees_tonights_shift_and_the_new_report(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    met = encounter("under_18")
    report = ChildConcernReport.objects.get(encounter=met)
    html = login(personas["soc.handlaggare"]).get(START).content.decode()
    assert panel_keys(html)[:2] == ["next_shift", "concerns"]  # the shift under way, then the report
    concerns = panel(html, "concerns")
    assert "New, nobody has acted on them yet" in concerns
    assert reverse("support:concern_detail", args=[report.pk]) in concerns
    shift = panel(html, "next_shift")
    assert "Your shift now" in shift
    assert reverse("operations:shift_detail", args=[met.shift_id]) in shift
    assert "disclosures" in panel_keys(html)


def test_police_start_page_never_shows_social_services_records(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    met = encounter("under_18")
    report = ChildConcernReport.objects.get(encounter=met)
    for username in ("polis.inre", "polis.utredare", "polis.analytiker", "polis.chef", "polis.samordnare", "polis.granskare"):
        html = login(personas[username]).get(START).content.decode()
        assert "concerns" not in panel_keys(html), username
        assert "concern_counts" not in panel_keys(html), username
        assert reverse("support:concern_detail", args=[report.pk]) not in html, username
        assert "Past a deadline" not in html, username


def test_each_role_starts_where_its_work_is(personas: dict[str, User], encounter: EncounterFactory, login: Login) -> None:
    encounter("under_18")
    expected = {
        "polis.inre": {"next_shift", "disclosures"},
        "polis.utredare": {"next_shift", "crime_reports", "disclosures"},
        "polis.analytiker": {"tips", "networks", "disclosures"},
        "soc.samordnare": {"unstaffed", "coming_week"},
        "soc.chef": {"figures", "concern_counts", "disclosure_counts"},
        "polis.chef": {"figures", "disclosure_counts"},
        "soc.granskare": {"audit_search"},
        "soc.admin": set(),
    }
    for username, keys in expected.items():
        response = login(personas[username]).get(START)
        assert response.status_code == 200
        assert set(panel_keys(response.content.decode())) == keys, username


def test_other_municipality_sees_nothing_of_this_report(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    encounter("under_18")
    html = login(personas["gbg.handlaggare"]).get(START).content.decode()
    concerns = panel(html, "concerns")
    assert re.search(r"New, nobody has acted on them yet</a> <span class=\"badge\">0<", concerns)


def test_manager_figures_come_from_the_report(personas: dict[str, User], login: Login) -> None:
    html = login(personas["soc.chef"]).get(START).content.decode()
    figures = panel(html, "figures")
    assert "this year and last" in figures and "<table>" in figures


def test_a_disclosure_request_and_its_answer_notify_who_must_act(
    personas: dict[str, User], encounter: EncounterFactory, login: Login
) -> None:
    from samverkan.sharing.actions import do_decide_disclosure, do_request_disclosure

    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    met = encounter("adult")
    assert worker.agency is not None
    disclosure = do_request_disclosure(
        owning_agency=worker.agency, record_type="client", fields=["pseudonym"], encounter=met,
        purpose="Identifiering", acting_user=officer,
    )
    asked = set(Notice.objects.filter(kind=NoticeKind.DISCLOSURE_REQUEST).values_list("recipient__username", flat=True))
    # Those of the owning agency who answer requests: its social worker; not the police, not the other city.
    assert asked == {"soc.handlaggare"}
    do_decide_disclosure(disclosure, approve=False, refusal_kind="no_record", acting_user=worker)
    answered = Notice.objects.get(kind=NoticeKind.DISCLOSURE_ANSWER)
    assert answered.recipient == officer
    assert answered.link == reverse("sharing:detail", args=[disclosure.pk])
    assert login(officer).get(answered.link).status_code == 200
