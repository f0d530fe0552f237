"""What kinds of background job there are, declared by the apps that own the work.

An app's ``AppConfig.job_kinds()`` returns ``JobKind`` declarations; ``jobs`` finds
them through Django's app registry (as the disclosure gate finds what can be
disclosed), so this app imports no agency app. A handler receives the job and a
``Progress`` to report to, and returns a ``JobOutcome``; it raises ``JobRefused``
(or Django's ``ValidationError``) with a message for the user when the work cannot
be done. Handlers must be idempotent: a retried job must not write twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.functional import Promise

if TYPE_CHECKING:
    from samverkan.jobs.models import Job


class JobRefused(Exception):
    """The work cannot be done; the message is for the user, ``details`` lists what was wrong."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass(frozen=True)
class JobOutcome:
    """What a finished job shows: lines of summary, and where its result lives."""

    summary: list[str] = field(default_factory=list)
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


class Progress:
    """Reports how far a job has come; the job's page polls it.

    Counts are written at most every ``every`` seconds (a bulk write reports each block).
    """

    def __init__(self, job: Job, every: float = 0.5) -> None:
        self.job = job
        self.every = every
        self._done = job.progress_done
        self._written_at = 0.0

    def total(self, total: int | None, note: str = "") -> None:
        self.job.report(total=total, note=note)
        self._written_at = time.monotonic()

    def done(self, done: int, note: str = "") -> None:
        self._done = done
        now = time.monotonic()
        if note or now - self._written_at >= self.every:
            self.job.report(done=done, note=note)
            self._written_at = now

    def advance(self, count: int) -> None:
        self.done(self._done + count)


Handler = Callable[["Job", Progress], JobOutcome]


@dataclass(frozen=True)
class JobKind:
    key: str
    label: str | Promise
    record_type: str  # what the audit log files the job under
    handler: Handler
    # A second job of this kind for the same agency while one is waiting or running is not
    # started: the one that runs is returned (linking twice at once would do the work twice).
    one_at_a_time_per_agency: bool = False
    # An export's file (``files.py``) is served to the job's starter only, and only while
    # they still hold the right the export needs: this says whether ``user`` does.
    may_download: Callable[[Any], bool] | None = None


@cache
def registry() -> dict[str, JobKind]:
    found: dict[str, JobKind] = {}
    for config in apps.get_app_configs():
        declare = getattr(config, "job_kinds", None)
        if declare is None:
            continue
        for kind in declare():
            if kind.key in found:
                raise RuntimeError(f"Job kind {kind.key!r} is declared twice")
            found[kind.key] = kind
    return found


def kind_of(key: str) -> JobKind:
    try:
        return registry()[key]
    except KeyError:
        raise LookupError(f"No job kind {key!r}") from None
