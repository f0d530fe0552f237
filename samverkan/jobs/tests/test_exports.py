"""Exports as background jobs: the audit log's CSV and the results' files.

The file a job writes is the one the request used to send; it is its starter's alone (another
user, agency or a starter who lost the right gets 404, logged as denied); each download is an
audited export; bad choices are refused with a Swedish message before any job starts; a
retried job writes the same file once; the files expire.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from openpyxl import load_workbook
from pypdf import PdfReader

from samverkan.accounts.models import Role, User
from samverkan.audit import export as audit_export
from samverkan.audit.actions import do_record_event
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.jobs import audit_export as audit_jobs
from samverkan.jobs import files
from samverkan.jobs.kinds import Progress, kind_of
from samverkan.jobs.models import Job, JobState
from samverkan.jobs.tests import exporting
from samverkan.reports import jobs as report_jobs
from samverkan.reports.exports import render
from samverkan.reports.tests.test_results import results_world  # noqa: F401  (a little data in 2021)
from samverkan.reports.views import build_for

Login = Callable[[User], Client]
AUDIT = "/jobb/export/logg/"
RESULTS = "/resultat/export/"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def some_events(personas: dict[str, User]) -> None:
    for n, username in enumerate(("polis.inre", "polis.utredare", "soc.handlaggare", "polis.inre")):
        do_record_event(user=personas[username], action=AuditAction.VIEW, record_type="client", record_id=n, purpose="=1+1")


def old_audit_export(user: User, query: dict[str, str], until_seq: int) -> bytes:
    """What the export in the request sent for ``query``: the log before its own event, as CSV."""
    form = AuditEventFilterForm(query)
    assert form.is_valid()
    rows = form.filter(audit_export.readable_events(user), own_agency=user.agency).filter(seq__lt=until_seq).order_by("-seq")
    return "".join(audit_export.csv_lines(rows, user.agency.pk if user.agency else None)).encode("utf-8")


def created_seq(job: Job) -> int:
    return AuditEvent.objects.get(action=AuditAction.CREATE, record_id=f"job:{job.pk}").seq


# --- The audit log ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", [{}, {"user": "inre"}, {"record_type": "client", "action": "view"}])
def test_the_audit_export_file_is_what_the_request_used_to_send(
    personas: dict[str, User], login: Login, some_events: None, query: dict[str, str]
) -> None:
    auditor = personas["polis.granskare"]
    response = exporting.download(login(auditor), AUDIT, query)
    job = Job.objects.get()
    assert (job.kind, job.created_by, job.state) == (audit_jobs.AUDIT_EXPORT, auditor, JobState.DONE)
    assert exporting.body(response) == old_audit_export(auditor, query, created_seq(job))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M%S")
    assert response["Content-Disposition"] == f'attachment; filename="audit-{auditor.agency.code}-{stamp}.csv"'  # type: ignore[union-attr]
    assert "no-store" in response["Cache-Control"]
    # The file is kept privately, never where the media files are served from.
    stored = Path(files.storage().location) / job.result["file"]
    assert stored.is_file() and str(job.pk.hex) in stored.name
    with pytest.raises(ValueError):
        files.storage().url(job.result["file"])
    media = Path(settings.MEDIA_ROOT).resolve() if settings.MEDIA_ROOT else None
    assert media is None or not stored.resolve().is_relative_to(media)


def test_the_download_is_the_audited_export_and_each_download_is_logged(
    personas: dict[str, User], login: Login, some_events: None
) -> None:
    client = login(personas["polis.granskare"])
    job = exporting.start(client, AUDIT, {"record_type": "client"})
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists(), "nothing has left the server yet"
    for _n in range(2):
        assert client.get(f"/jobb/{job.pk}/fil/").status_code == 200
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("seq")
    assert [(e.username, e.record_type, e.record_id, e.detail) for e in exports] == [
        ("polis.granskare", "audit_event", f"job:{job.pk}", "record_type=client")
    ] * 2


def test_another_user_or_agency_gets_404_and_is_logged(
    personas: dict[str, User], login: Login, some_events: None
) -> None:
    job = exporting.start(login(personas["polis.granskare"]), AUDIT)
    for other in ("soc.granskare", "polis.inre", "polis.admin", "vast.polis"):
        client = login(personas[other])
        for url in (f"/jobb/{job.pk}/fil/", f"/jobb/{job.pk}/"):
            assert client.get(url).status_code == 404, (other, url)
        assert AuditEvent.objects.filter(action=AuditAction.DENIED, username=other, record_id=f"job:{job.pk}").count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_starter_who_lost_the_right_gets_404(personas: dict[str, User], login: Login, some_events: None) -> None:
    auditor = personas["polis.granskare"]
    client = login(auditor)
    job = exporting.start(client, AUDIT)
    membership = auditor.membership
    assert membership is not None
    membership.role = Role.POLICE_OFFICER
    membership.save()
    auditor.refresh_from_db()
    assert client.get(f"/jobb/{job.pk}/fil/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, record_id=f"job:{job.pk}", detail="file").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_bad_choices_are_refused_in_swedish_and_start_nothing(personas: dict[str, User], login: Login) -> None:
    auditor = login(personas["polis.granskare"])
    refused = auditor.post(AUDIT, {"date_from": "2021-13-01"})
    assert refused.status_code == 400
    assert "Ange ett datum som ÅÅÅÅ-MM-DD." in refused.content.decode()
    assert auditor.post(AUDIT, {"key": "not-a-key"}).status_code == 400
    manager = login(personas["polis.chef"])
    for data, message in (
        ({"fmt": "exe", "year": "2021"}, "Välj ett format"),
        ({"year": "2021"}, "Välj ett format"),
        ({"fmt": "pdf", "year": "1800"}, "2000"),
        ({"fmt": "pdf", "date_from": "2021-05-01"}, "Ange både"),
        ({"fmt": "pdf", "areas": "99999999999999999999999"}, "Välj ett giltigt"),
    ):
        response = manager.post(RESULTS, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), (data, message)
    assert auditor.get(AUDIT).status_code == 405 and manager.get(RESULTS).status_code == 405
    assert not Job.objects.exists()


def test_the_same_form_sent_twice_starts_one_export(personas: dict[str, User], login: Login) -> None:
    client = login(personas["polis.granskare"])
    key = str(uuid.uuid4())
    first, second = (exporting.start(client, AUDIT, {"key": key}) for _n in range(2))
    assert first.pk == second.pk and Job.objects.count() == 1


def test_a_failed_export_says_why_and_a_retry_writes_the_file_once(
    personas: dict[str, User], login: Login, some_events: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    auditor = personas["polis.granskare"]
    client = login(auditor)
    def full_disk(*args: Any) -> None:
        raise OSError("No space left on device: /srv/samverkan/var")

    monkeypatch.setattr(files, "write", full_disk)
    job = exporting.start(client, AUDIT)
    assert job.state == JobState.FAILED
    page = client.get(f"/jobb/{job.pk}/").content.decode()
    assert "oväntat fel" in page and "/srv/" not in page and f'action="/jobb/{job.pk}/igen/"' in page
    assert client.get(f"/jobb/{job.pk}/fil/").status_code == 302  # no file: back to the job's page
    monkeypatch.undo()
    client.post(f"/jobb/{job.pk}/igen/")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    first = exporting.body(client.get(f"/jobb/{job.pk}/fil/"))
    # Run again (a task delivered twice): the same file, in the same place, nothing added.
    before = set(Path(files.storage().location).iterdir())
    outcome = kind_of(job.kind).handler(job, Progress(job))
    assert outcome.data["file"] == job.result["file"]
    assert set(Path(files.storage().location).iterdir()) == before
    assert exporting.body(client.get(f"/jobb/{job.pk}/fil/")) == first
    assert first == old_audit_export(auditor, {}, created_seq(job))


def test_exported_files_expire_after_the_kept_days(personas: dict[str, User], login: Login, some_events: None) -> None:
    client = login(personas["polis.granskare"])
    job = exporting.start(client, AUDIT)
    stored = Path(files.storage().location) / job.result["file"]
    orphan = Path(files.storage().location) / "orphan.csv"
    orphan.write_text("left behind")
    assert files.expire() == 0 and stored.is_file() and orphan.is_file()
    later = timezone.now() + dt.timedelta(days=files.export_days(), minutes=1)
    with time_machine.travel(later, tick=False):
        client = login(personas["polis.granskare"])  # signed in again: the session has lapsed
        # Refused as soon as it is past its days, before the cleanup has run.
        response = client.get(f"/jobb/{job.pk}/fil/")
        assert response.status_code == 302 and response["Location"] == f"/jobb/{job.pk}/"
        page = client.get(f"/jobb/{job.pk}/").content.decode()
        assert 'id="job-file-expired"' in page and "Starta exporten igen" in page
        # The job's file, and a file no job names (a write broken off) as old as it.
        assert files.expire() == 2
    assert not stored.exists() and not orphan.exists()
    job.refresh_from_db()
    assert job.result["expired"] is True and "file" not in job.result
    assert files.expire() == 0
    page = client.get(f"/jobb/{job.pk}/").content.decode()
    assert 'id="job-file-expired"' in page
    assert client.get(f"/jobb/{job.pk}/fil/").status_code == 302
    # A file no job names is kept while it may still be a job's being written.
    fresh = Path(files.storage().location) / "fresh.csv"
    fresh.write_text("being written")
    assert files.expire() == 0 and fresh.exists()
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 0


def test_the_expire_command(personas: dict[str, User], login: Login) -> None:
    job = exporting.start(login(personas["polis.granskare"]), AUDIT)
    out = io.StringIO()
    with time_machine.travel(timezone.now() + dt.timedelta(days=files.export_days() + 1), tick=False):
        call_command("expire_job_files", stdout=out)
    assert "Removed 1 expired" in out.getvalue()
    assert not (Path(files.storage().location) / job.result["file"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_file_and_the_page_offers_it(personas: dict[str, User], login: Login) -> None:
    client = login(personas["polis.granskare"])
    with override_settings(TASKS=DATABASE_QUEUE):
        job = exporting.start(client, AUDIT)
        assert job.state == JobState.QUEUED
        status = client.get(f"/jobb/{job.pk}/status/").content.decode()
        assert "hx-trigger" in status and "/fil/" not in status
        assert client.get(f"/jobb/{job.pk}/fil/").status_code == 302  # not ready yet: back to the job's page
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        job.refresh_from_db()
        assert job.state == JobState.DONE, job.error
        status = client.get(f"/jobb/{job.pk}/status/").content.decode()
        assert "hx-trigger" not in status and f'href="/jobb/{job.pk}/fil/"' in status
        assert client.get(f"/jobb/{job.pk}/fil/").status_code == 200


# --- The results ------------------------------------------------------------------------------


@pytest.mark.parametrize("public", [False, True])
def test_the_results_files_are_what_the_request_used_to_send(
    results_world: dict[str, Any], personas: dict[str, User], login: Login, public: bool  # noqa: F811
) -> None:
    manager = personas["polis.chef"]
    client = login(manager)
    query: dict[str, Any] = {"year": "2021", "areas": [str(a) for a in results_world["areas"][:2]]}
    if public:
        query["public"] = "on"
    _form, report = build_for(manager, MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in query.items()}))
    assert report is not None
    mode = "public" if public else "internal"
    for fmt in ("text", "json", "csv"):
        response = exporting.download(client, RESULTS, {**query, "fmt": fmt})
        assert exporting.body(response) == render(report, fmt, "sv"), fmt
        extension = {"text": "txt"}.get(fmt, fmt)
        assert response["Content-Disposition"] == f'attachment; filename="samverkan-resultat-20210101-20211231-{mode}.{extension}"'
    assert json.loads(exporting.body(exporting.download(client, RESULTS, {**query, "fmt": "json"})))["mode"] == mode
    marking = "Intern – inte för publicering" if not public else "För publicering"
    book = load_workbook(io.BytesIO(exporting.body(exporting.download(client, RESULTS, {**query, "fmt": "xlsx"}))))
    assert all(str(sheet["A1"].value).startswith(marking) for sheet in book.worksheets)
    pdf = PdfReader(io.BytesIO(exporting.body(exporting.download(client, RESULTS, {**query, "fmt": "pdf"}))))
    assert all(marking in page.extract_text() for page in pdf.pages)
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, record_type="results", username="polis.chef")
    assert exports.count() == 6
    assert exports.filter(detail=f"pdf {mode} 2021-01-01–2021-12-31").count() == 1


def test_the_results_export_is_its_starters_only(results_world: dict[str, Any], personas: dict[str, User], login: Login) -> None:  # noqa: F811
    job = exporting.start(login(personas["polis.chef"]), RESULTS, {"fmt": "csv", "year": "2021"})
    assert job.state == JobState.DONE and job.kind == report_jobs.RESULTS_EXPORT
    for other in ("soc.chef", "polis.inre", "polis.samordnare", "polis.granskare"):
        assert login(personas[other]).get(f"/jobb/{job.pk}/fil/").status_code == 404, other
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, record_type="results").exists()
    # Who may not open the results cannot start the export either.
    assert login(personas["polis.granskare"]).post(RESULTS, {"fmt": "csv"}).status_code == 404
    assert Job.objects.count() == 1


def test_the_results_job_keeps_the_year_asked_for(personas: dict[str, User], login: Login) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 31, 22, 59, tzinfo=dt.UTC), tick=False):
        job = exporting.start(login(personas["polis.chef"]), RESULTS, {"fmt": "csv"})
    assert job.params["query"] == {"year": ["2025"]}
    assert job.result["filename"] == "samverkan-resultat-20250101-20251231-internal.csv"
