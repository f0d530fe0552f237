"""The one queued task: run a job by its id. The worker (``manage.py db_worker``) calls it."""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from samverkan.jobs.kinds import JobRefused, Progress, kind_of
from samverkan.jobs.models import Job, JobState

logger = logging.getLogger(__name__)


def _message_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@task()
def run_job(job_id: str) -> str:
    """Run one job; its row, not the task's, holds the outcome the user sees."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=uuid.UUID(job_id)).first()
        if job is None or job.state != JobState.QUEUED:
            # Deleted, or already taken by another worker (a retried task): nothing to do.
            return "skipped"
        job.state = JobState.RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["state", "started_at", "heartbeat_at", "attempts"])
    with translation.override(job.language):
        try:
            outcome = kind_of(job.kind).handler(job, Progress(job))
        except (JobRefused, ValidationError) as exc:
            message = str(exc) if isinstance(exc, JobRefused) else _message_of(exc)
            details = exc.details if isinstance(exc, JobRefused) else []
            _finish(job, JobState.FAILED, error=message, error_details=details[:200])
            return "failed"
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(
                job,
                JobState.FAILED,
                error=_("The job stopped because of an unexpected error (reference %(ref)s). Try again; if it fails again, contact support with the reference.")
                % {"ref": str(job.pk)[:8]},
            )
            return "failed"
        _finish(
            job,
            JobState.DONE,
            summary=[str(line) for line in outcome.summary],
            result_url=outcome.url,
            result=dict(outcome.data),
        )
    return "done"


def _finish(job: Job, state: JobState, **fields: object) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=state, finished_at=now, heartbeat_at=now, **fields)
