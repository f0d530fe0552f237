"""Background jobs: started by a page, run by the worker, shown with progress, retried, private."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.intel import jobs as intel_jobs
from samverkan.intel.models import ImportBatch, IntelItem, LinkRun
from samverkan.jobs import kinds
from samverkan.jobs.actions import do_retry_job, do_start_job
from samverkan.jobs.models import Job, JobState

Login = Callable[[User], Client]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ADS = [
    {"id": f"ad-{n}", "kind": "ad", "title": f"Annons {n}", "phones": ["0701740605"], "city": "Stockholm"}
    for n in range(3)
]


def _upload(records: list[dict[str, Any]], name: str = "ads.jsonl") -> io.BytesIO:
    upload = io.BytesIO("\n".join(json.dumps(r) for r in records).encode())
    upload.name = name
    return upload


@pytest.fixture
def analyst(personas: dict[str, User]) -> User:
    return personas["polis.analytiker"]


def test_an_upload_becomes_a_job_whose_page_shows_the_result(analyst: User, login: Login) -> None:
    client = login(analyst)
    response = client.post("/underrattelser/import/", {"file": _upload(ADS), "key": str(uuid.uuid4())})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobb/{job.pk}/"
    assert (job.kind, job.state, job.created_by, job.params["display_name"]) == (
        intel_jobs.IMPORT, JobState.DONE, analyst, "ads.jsonl",
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page and "hx-trigger" not in page
    batch = ImportBatch.objects.get()
    assert f'href="/underrattelser/import/{batch.pk}/"' in page
    assert IntelItem.objects.count() == 3
    assert AuditEvent.objects.filter(record_id=f"job:{job.pk}", action="create").count() == 1


def test_the_same_form_sent_twice_starts_one_job(analyst: User, login: Login) -> None:
    client = login(analyst)
    key = str(uuid.uuid4())
    first = client.post("/underrattelser/import/", {"file": _upload(ADS), "key": key})
    second = client.post("/underrattelser/import/", {"file": _upload(ADS), "key": key})
    assert first["Location"] == second["Location"]
    assert (Job.objects.count(), ImportBatch.objects.count()) == (1, 1)


def test_a_job_is_its_starters_only(analyst: User, personas: dict[str, User], login: Login) -> None:
    job = do_start_job(intel_jobs.LINK, acting_user=analyst)
    for other in ("polis.utredare", "soc.handlaggare", "polis.granskare"):
        client = login(personas[other])
        for url in (f"/jobb/{job.pk}/", f"/jobb/{job.pk}/status/"):
            assert client.get(url).status_code == 404, (other, url)
        assert client.post(f"/jobb/{job.pk}/igen/").status_code == 404
        assert str(job.pk) not in client.get("/jobb/").content.decode()
    assert AuditEvent.objects.filter(action="denied", record_id=f"job:{job.pk}").count() == 9
    assert login(analyst).get("/jobb/").content.decode().count(f"/jobb/{job.pk}/") == 1


def test_a_refused_import_fails_with_its_reasons_and_can_be_tried_again(analyst: User, login: Login) -> None:
    client = login(analyst)
    response = client.post("/underrattelser/import/", {"file": _upload([{"id": "s1"}]), "strict": "on"})
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert "strikt" in job.error and job.error_details and job.error_details[0]["line"] == 1
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-error"' in page and f'action="/jobb/{job.pk}/igen/"' in page
    client.post(f"/jobb/{job.pk}/igen/")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 2)
    assert not IntelItem.objects.exists()


def test_an_unexpected_error_is_reported_without_a_trace(
    analyst: User, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job: Job, progress: kinds.Progress) -> kinds.JobOutcome:
        raise RuntimeError("secret internals /srv/samverkan")

    declared = kinds.registry()[intel_jobs.LINK]
    monkeypatch.setitem(kinds.registry(), intel_jobs.LINK, kinds.JobKind(declared.key, declared.label, declared.record_type, broken))
    response = login(analyst).post("/underrattelser/natverk/lanka/")
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert str(job.pk)[:8] in job.error and "secret" not in job.error
    assert "secret" not in login(analyst).get(response["Location"]).content.decode()


def test_linking_runs_one_at_a_time_per_agency(analyst: User, personas: dict[str, User]) -> None:
    with override_settings(TASKS=DATABASE_QUEUE):
        first = do_start_job(intel_jobs.LINK, acting_user=analyst)
        second = do_start_job(intel_jobs.LINK, acting_user=personas["polis.utredare"])
    assert first.pk == second.pk and first.state == JobState.QUEUED
    with pytest.raises(ValidationError):
        do_retry_job(first, acting_user=analyst)


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_job_and_the_page_stops_polling(personas: dict[str, User], login: Login) -> None:
    analyst = personas["polis.analytiker"]
    client = login(analyst)
    with override_settings(TASKS=DATABASE_QUEUE):
        client.post("/underrattelser/import/", {"file": _upload(ADS)})
        job = Job.objects.get()
        assert job.state == JobState.QUEUED and job.task_id
        status = client.get(f"/jobb/{job.pk}/status/").content.decode()
        assert "hx-trigger" in status and "<progress" in status
        assert not IntelItem.objects.exists(), "nothing is imported inside the request"
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        job.refresh_from_db()
        assert job.state == JobState.DONE, job.error
        assert IntelItem.objects.count() == 3
        status = client.get(f"/jobb/{job.pk}/status/").content.decode()
        assert "hx-trigger" not in status and 'id="job-result"' in status
        # Linking from the networks page, through the worker too.
        response = client.post("/underrattelser/natverk/lanka/")
        link_job = Job.objects.get(kind=intel_jobs.LINK)
        assert response["Location"] == f"/jobb/{link_job.pk}/"
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        link_job.refresh_from_db()
        assert link_job.state == JobState.DONE, link_job.error
        assert LinkRun.objects.filter(created_by=analyst).count() == 1


def test_a_stalled_job_can_be_started_again(analyst: User) -> None:
    import datetime as dt

    from django.utils import timezone

    with override_settings(TASKS=DATABASE_QUEUE):
        job = do_start_job(intel_jobs.LINK, acting_user=analyst)
        Job.objects.filter(pk=job.pk).update(
            state=JobState.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
        )
        job.refresh_from_db()
        assert job.stalled and job.can_retry
        # A new start does not wait for the stalled one either.
        assert do_start_job(intel_jobs.LINK, acting_user=analyst).pk != job.pk
        assert do_retry_job(job, acting_user=analyst).state == JobState.QUEUED


def test_progress_stays_within_its_total(analyst: User) -> None:
    with override_settings(TASKS=DATABASE_QUEUE):
        job = do_start_job(intel_jobs.LINK, acting_user=analyst)
    progress = kinds.Progress(job, every=0)
    progress.total(10)
    progress.advance(4)
    progress.advance(40)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (10, 10, 100)
