"""A background job as its user sees it: who started it, its state, progress and result.

The work itself is queued with django-tasks (the database backend, so the same code
runs on SQLite and PostgreSQL with no other server) and run by ``manage.py
db_worker``; this row is what the page that started the job polls, and it is kept
after the task queue's own rows are pruned.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


# A running job that has reported nothing for this long has lost its worker (killed,
# restarted): it may be started again.
STALLED_AFTER = dt.timedelta(minutes=10)


class JobQuerySet(models.QuerySet["Job"]):
    def of(self, user: Any) -> JobQuerySet:
        """A user's own jobs: a job's page shows what the work found, for its starter only."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(created_by=user)

    def unfinished(self) -> JobQuerySet:
        return self.filter(state__in=[JobState.QUEUED, JobState.RUNNING])


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("started by")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    # The language of the user who started it: the worker writes the result in it.
    language = models.CharField(max_length=10, default="sv")
    params = models.JSONField(default=dict, blank=True)
    # Idempotency: the same key from the same user for the same kind returns the first job.
    key = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True, blank=True)
    progress_note = models.CharField(max_length=200, blank=True, default="")
    summary = models.JSONField(_("result"), default=list, blank=True)
    result_url = models.CharField(max_length=300, blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    error_details = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "kind", "key"], condition=~Q(key=""), name="job_key_once_per_user"
            ),
            models.CheckConstraint(
                condition=Q(progress_total__isnull=True) | Q(progress_done__lte=F("progress_total")),
                name="job_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} ({self.get_state_display()})"

    @property
    def kind_label(self) -> str:
        from samverkan.jobs.kinds import registry

        kind = registry().get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def stalled(self) -> bool:
        if self.state != JobState.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > STALLED_AFTER

    @property
    def can_retry(self) -> bool:
        return self.state == JobState.FAILED or self.stalled

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))

    def report(self, *, done: int | None = None, total: int | None = None, note: str = "") -> None:
        """Write progress straight away, outside any transaction the work holds open elsewhere."""
        changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if total is not None:
            changes["progress_total"] = self.progress_total = max(total, 0)
            changes["progress_done"] = self.progress_done = min(self.progress_done, self.progress_total)
        if done is not None:
            if self.progress_total is not None:
                done = min(done, self.progress_total)
            changes["progress_done"] = self.progress_done = max(done, 0)
        if note:
            changes["progress_note"] = self.progress_note = note[:200]
        Job.objects.filter(pk=self.pk).update(**changes)
