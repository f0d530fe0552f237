"""The purge as a background job, so that an agency can schedule it (``jobs``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.accounts.policy import RecordType
from samverkan.jobs.kinds import JobKind, JobOutcome, JobRefused, Progress
from samverkan.jobs.models import Job

if TYPE_CHECKING:
    from samverkan.retention.purge import Result

PURGE = "retention_purge"
DRY_RUN = "retention_dry_run"


def purge_expired(job: Job, progress: Progress) -> JobOutcome:
    """The agency's own records past their rule on the job's day (``params["as_of"]``, else today).

    Idempotent: a record already purged is not found again.
    """
    from samverkan.retention.actions import do_purge_expired

    raw = str(job.params.get("as_of") or "")
    try:
        as_of = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError as exc:
        raise JobRefused(_("The day to purge as of is not a date.")) from exc
    dry_run = job.kind == DRY_RUN or bool(job.params.get("dry_run"))
    progress.total(None, _("Finding the expired records") if dry_run else _("Purging the expired records"))
    result = do_purge_expired(
        as_of=as_of, dry_run=dry_run, agency=job.agency, acting_user=job.created_by, progress=progress.advance
    )
    return JobOutcome(
        summary=summary(result),
        url=reverse("retention:rules"),
        data={"as_of": as_of.isoformat(), "dry_run": dry_run, "redacted": result.redacted},
    )


def summary(result: Result) -> list[str]:
    """One line per rule, in the job's language: what went (or would go), what was kept, the source."""
    from samverkan.retention.models import Disposal, record_type_label

    out = []
    for p in result.planned:
        what = record_type_label(p.record_type)
        count = len(p.ids) if result.dry_run else result.done.get((p.record_type, p.disposal), 0)
        values = {
            "what": what, "disposal": str(Disposal(p.disposal).label).lower(), "count": count,
            "held": p.held, "exempt": p.exempt, "source": p.rule.source if p.rule else "–",
        }
        if result.dry_run:
            line = _("%(what)s: would %(disposal)s %(count)s; kept by a legal hold %(held)s, exempt %(exempt)s (%(source)s)")
        else:
            line = _("%(what)s: %(disposal)s %(count)s; kept by a legal hold %(held)s, exempt %(exempt)s (%(source)s)")
        out.append(line % values)
    if not result.dry_run:
        listed = {(p.record_type, p.disposal) for p in result.planned}
        for (record_type, disposal), count in sorted(result.done.items()):
            if (record_type, disposal) not in listed:
                out.append(_("%(what)s: %(disposal)s %(count)s, with the records they belong to") % {
                    "what": record_type_label(record_type),
                    "disposal": str(Disposal(disposal).label).lower(), "count": count,
                })
        out.append(_("Audit events redacted: %(count)s") % {"count": result.redacted})
    return out


JOB_KINDS = [
    JobKind(PURGE, gettext_lazy("Purging expired records"), RecordType.RETENTION_RULE, purge_expired, one_at_a_time_per_agency=True),
    # Its own kind, so that a dry run waiting or running never stands in for a purge (nor back).
    JobKind(
        DRY_RUN, gettext_lazy("Dry run of the purge"), RecordType.RETENTION_RULE, purge_expired,
        one_at_a_time_per_agency=True,
    ),
]
