"""The exports through the API: 202 with a job, as the pages start them; the file from /jobs/{id}/file/."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import load_workbook

from samverkan.accounts.models import User
from samverkan.api.tests.test_api import call, token_for
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.jobs import files
from samverkan.jobs.models import Job, JobState
from samverkan.reports.exports import render
from samverkan.reports.views import build_for


def post(token: str, path: str, body: dict[str, Any], **headers: Any) -> Any:
    from django.test import Client

    return Client().post(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_the_results_export_answers_202_with_a_job_and_its_file(personas: dict[str, User]) -> None:
    manager = personas["polis.chef"]
    token = token_for(manager)
    started = post(token, "/results/export/", {"year": 2021, "format": "csv"}, **{"Idempotency-Key": "r1"})
    assert started.status_code == 202, started.content
    again = post(token, "/results/export/", {"year": 2021, "format": "csv"}, **{"Idempotency-Key": "r1"})
    assert again.json()["id"] == started.json()["id"] and Job.objects.count() == 1
    job = call(token, f"/jobs/{started.json()['id']}/").json()
    assert job["state"] == "done" and job["file_url"] == f"/api/v1/jobs/{job['id']}/file/"
    answer = call(token, f"/jobs/{job['id']}/file/")
    assert answer.status_code == 200
    _form, report = build_for(manager, {"year": 2021})
    assert report is not None
    assert b"".join(answer.streaming_content) == render(report, "csv", "sv")
    assert answer["Content-Disposition"] == 'attachment; filename="samverkan-resultat-20210101-20211231-internal.csv"'
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, record_type="results", username="polis.chef").count() == 1
    xlsx = post(token, "/results/export/", {"year": 2021, "format": "xlsx"}).json()
    book = load_workbook(io.BytesIO(b"".join(call(token, f"/jobs/{xlsx['id']}/file/").streaming_content)))
    assert book.worksheets[0]["A1"].value == "Intern – inte för publicering"


def test_bad_export_requests_are_refused_and_start_nothing(personas: dict[str, User]) -> None:
    manager = token_for(personas["polis.chef"])
    for body in ({"year": 2021, "format": "exe"}, {"year": 2021}, {"date_from": "2021-05-01", "format": "csv"}, {"areas": [999999], "format": "pdf"}):
        answer = post(manager, "/results/export/", body)
        assert answer.status_code == 422, (body, answer.content)
        assert answer.json()["error"]["messages"]["sv"]
    auditor = token_for(personas["polis.granskare"])
    answer = post(auditor, "/audit/export/", {"action": "steal"})
    assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "action"
    assert not Job.objects.exists()
    # Who may not export gets 404: the log's export to all but auditors, the results' to whom may not open them.
    assert post(token_for(personas["polis.inre"]), "/audit/export/", {}).status_code == 404
    assert post(auditor, "/results/export/", {"format": "csv"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username="polis.inre", detail="audit log export").exists()


def test_the_audit_export_file_is_its_starters_only(personas: dict[str, User]) -> None:
    auditor = token_for(personas["polis.granskare"])
    started = post(auditor, "/audit/export/", {"record_type": "client"})
    assert started.status_code == 202, started.content
    job_id = started.json()["id"]
    for other in ("soc.granskare", "polis.inre"):
        assert call(token_for(personas[other]), f"/jobs/{job_id}/file/").status_code == 404, other
    answer = call(auditor, f"/jobs/{job_id}/file/")
    assert answer.status_code == 200 and answer["Content-Type"] == "text/csv; charset=utf-8"
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (export.username, export.record_type, export.detail) == ("polis.granskare", "audit_event", "record_type=client")


def test_a_file_not_ready_or_expired_says_so(personas: dict[str, User]) -> None:
    import datetime as dt

    import time_machine
    from django.utils import timezone

    auditor = personas["polis.granskare"]
    token = token_for(auditor, days=30)
    job_id = post(token, "/audit/export/", {}).json()["id"]
    Job.objects.filter(pk=job_id).update(state=JobState.RUNNING)
    assert call(token, f"/jobs/{job_id}/file/").json()["error"]["code"] == "not_ready"
    Job.objects.filter(pk=job_id).update(state=JobState.DONE)
    with time_machine.travel(timezone.now() + dt.timedelta(days=files.export_days() + 1), tick=False):
        answer = call(token, f"/jobs/{job_id}/file/")
    assert (answer.status_code, answer.json()["error"]["code"]) == (410, "expired")
