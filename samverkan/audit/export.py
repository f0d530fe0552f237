"""The audit log as CSV: what an auditor's export holds, row by row.

The export runs as a background job (``jobs/audit_export.py``: the log can hold millions of
events), which writes the file from these functions; ``audit.views`` shows the list.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from samverkan.accounts.models import Agency
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.models import AuditEvent, AuditEventQuerySet
from samverkan.audit.owners import about_records_of

CSV_COLUMNS = (
    "seq",
    "timestamp",
    "user_id",
    "username",
    "agency",
    "role",
    "action",
    "record_type",
    "record_id",
    "purpose",
    "detail",
    "request_id",
    "client_ip",
    "prev_hash",
    "hash",
)
# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def may_read_log(user: Any, action: Action) -> bool:
    """Only an agency's auditors read (and export) its log."""
    return user_scope(user, RecordType.AUDIT_EVENT, action) is Scope.OWN_AGENCY


def readable_events(user: Any) -> AuditEventQuerySet:
    """The events an auditor may read: their agency's own, and other agencies' reads of its records."""
    own = AuditEvent.objects.visible_to(user)
    agency = user.agency
    if agency is None:
        return own
    return (own | AuditEvent.objects.filter(about_records_of(agency))).select_related("agency")


class _Echo:
    """A file-like object whose ``write`` hands the line back, for csv output line by line."""

    def write(self, value: str) -> str:
        return value


def neutralise_formula(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_row(event: AuditEvent, own_agency_id: int | None) -> list[str]:
    # Another agency's user reading our record: their agency and role, not who they are.
    theirs = event.agency_id != own_agency_id
    values = {
        "seq": event.seq,
        "timestamp": timezone.localtime(event.timestamp).isoformat(timespec="seconds"),
        "user_id": "" if theirs else event.user_id,
        "username": "" if theirs else event.username,
        "agency": event.agency.code if event.agency else "",
        "role": event.role,
        "action": event.action,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "purpose": event.purpose,
        "detail": event.detail,
        "request_id": "" if theirs else event.request_id,
        "client_ip": "" if theirs else event.client_ip,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    return [neutralise_formula(values[column]) for column in CSV_COLUMNS]


def csv_lines(events: Iterable[AuditEvent], own_agency_id: int | None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark, so that spreadsheets read the file as UTF-8 (å, ä, ö).
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(csv_row(event, own_agency_id))


def filename(agency: Agency | None, when: dt.datetime) -> str:
    code = agency.code if agency else "none"
    return f"audit-{code}-{timezone.localtime(when):%Y%m%d-%H%M%S}.csv"
