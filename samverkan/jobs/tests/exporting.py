"""Test helpers: start an export job through its form, then download its file as the user would."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.test import Client

from samverkan.jobs.models import Job, JobState


def body(response: HttpResponseBase) -> bytes:
    assert isinstance(response, FileResponse), response
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def start(client: Client, url: str, data: dict[str, Any] | None = None) -> Job:
    """Post the export form (the tests' queue runs the job at once) and return the job it started."""
    response = client.post(url, data or {})
    assert response.status_code == 302, (response.status_code, response.content[:500])
    location = response["Location"]
    assert location.startswith("/jobb/"), location
    return Job.objects.get(pk=location.split("/")[2])


def download(client: Client, url: str, data: dict[str, Any] | None = None) -> HttpResponseBase:
    """Start the export, check that its job finished with a file, and download it."""
    job = start(client, url, data)
    assert job.state == JobState.DONE, job.error
    page = client.get(f"/jobb/{job.pk}/").content.decode()
    assert f'href="/jobb/{job.pk}/fil/"' in page
    return client.get(f"/jobb/{job.pk}/fil/")
