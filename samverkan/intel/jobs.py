"""Intelligence work that runs in the background: linking the items, importing a file."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.accounts.policy import RecordType
from samverkan.jobs.kinds import JobKind, JobOutcome, JobRefused, Progress
from samverkan.jobs.models import Job

LINK = "intel_link"
IMPORT = "intel_import"


def upload_dir() -> Path:
    folder = Path(settings.SAMVERKAN_JOB_FILES_DIR) / "intel-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(upload: Any) -> str:
    """Keep an uploaded file for its import job; returns the stored name (never the user's)."""
    name = f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with (upload_dir() / name).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return name


def discard_upload(name: str) -> None:
    (upload_dir() / Path(name).name).unlink(missing_ok=True)


def link(job: Job, progress: Progress) -> JobOutcome:
    from samverkan.intel import linking

    try:
        run = linking.link_all(job.agency, acting_user=job.created_by, progress=lambda note: progress.done(0, note))
    except linking.LinkageUnavailable as exc:
        raise JobRefused(_("The items could not be linked: %(reason)s") % {"reason": exc}) from exc
    return JobOutcome(
        summary=[
            _("Items: %(count)s") % {"count": run.item_count},
            _("Networks: %(count)s") % {"count": run.network_count},
        ],
        url=reverse("intel:network_list"),
        data={"run": run.pk},
    )


def import_items(job: Job, progress: Progress) -> JobOutcome:
    from samverkan.intel.importing import ImportRefused, import_file

    params = job.params
    path = upload_dir() / Path(str(params.get("stored", ""))).name
    if not path.is_file():
        raise JobRefused(_("The uploaded file is no longer kept; upload it again."))
    progress.total(None, _("Checking the records"))
    try:
        summary = import_file(
            path,
            agency=job.agency,
            user=job.created_by,
            file_format=params.get("file_format"),
            strict=bool(params.get("strict")),
            display_name=str(params.get("display_name", ""))[:300],
            encoding=params.get("encoding") or None,
            on_validated=lambda valid: progress.total(valid, _("Writing the items")),
            progress=progress.advance,
        )
    except ImportRefused as exc:
        raise JobRefused(str(exc), [e.as_dict() for e in exc.errors[:200]]) from exc
    batch = summary.batch
    assert batch is not None
    # Imported: the file has done its work (a retry of a finished job is not offered).
    discard_upload(path.name)
    return JobOutcome(
        summary=[
            _("Records read: %(count)s") % {"count": batch.read_count},
            _("New items: %(count)s") % {"count": batch.created_count},
            _("Changed items: %(count)s") % {"count": batch.updated_count},
            _("Unchanged items: %(count)s") % {"count": batch.unchanged_count},
            _("Skipped records: %(count)s") % {"count": batch.skipped_count},
        ],
        url=reverse("intel:import_detail", kwargs={"pk": batch.pk}),
        data={"batch": batch.pk},
    )


JOB_KINDS = [
    JobKind(LINK, gettext_lazy("Linking the intelligence items"), RecordType.NETWORK, link, one_at_a_time_per_agency=True),
    JobKind(IMPORT, gettext_lazy("Importing intelligence items"), RecordType.INTEL_ITEM, import_items),
]
