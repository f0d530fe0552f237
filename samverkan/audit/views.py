"""The auditor's view of the log: a filtered list and a CSV export.

An agency's auditors see their own agency's events (``AuditEvent.objects.visible_to``)
and every event of another agency's users about a record their agency owns
(a disclosed read, list or refused read: ``audit.owners``), so that the owner
sees who of the other agency read its records. Of those events they see the
reader's agency and role, the time, the record and the purpose, but not who
the reader is (name, id, address, request id): that is the other agency's
personal data, which its own auditors hold. Anyone else gets 404, so that the
page's existence tells them nothing, and the attempt is itself logged as
``denied``. Reading the log is logged too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from samverkan.accounts.access import audited_page, signed_in
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.audit.models import AuditAction, AuditEvent, AuditEventQuerySet
from samverkan.audit.owners import about_records_of

PAGE_SIZE = 50

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


def access_audit_log(user: User, action: Action) -> AuditEventQuerySet:
    """The events ``user`` may read for ``action``; 404 (logged as ``denied``) for anyone else."""
    if user_scope(user, RecordType.AUDIT_EVENT, action) is not Scope.OWN_AGENCY:
        do_record_event(
            user=user,
            action=AuditAction.DENIED,
            record_type=RecordType.AUDIT_EVENT,
            detail=f"audit log {action}",
        )
        raise Http404
    own = AuditEvent.objects.visible_to(user)
    agency = user.agency
    if agency is None:
        return own
    return (own | AuditEvent.objects.filter(about_records_of(agency))).select_related("agency")



def _filter_query(query: QueryDict) -> str:
    """The filter as a query string, for page links and the export link."""
    data = query.copy()
    data.pop("page", None)
    return data.urlencode()


def _invalid_filter(request: HttpRequest, form: AuditEventFilterForm) -> HttpResponse:
    return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)


@require_GET
@login_required
@never_cache
def event_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    events = access_audit_log(user, Action.LIST)
    form = AuditEventFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filter(request, form)

    summary = form.summary()
    page = audited_page(
        request,
        form.filter(events, own_agency=user.agency).order_by("-seq"),
        user=user,
        record=RecordType.AUDIT_EVENT,
        detail=summary,
        size=PAGE_SIZE,
    )
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "filter_query": _filter_query(request.GET),
        "filtered": bool(summary),
        "own_agency_id": user.agency.pk if user.agency else None,
    }
    return render(request, "audit/event_list.html", context)


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv output."""

    def write(self, value: str) -> str:
        return value


def neutralise_formula(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _csv_row(event: AuditEvent, own_agency_id: int | None) -> list[str]:
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


def _csv_lines(events: Iterable[AuditEvent], own_agency_id: int | None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark, so that spreadsheets read the file as UTF-8 (å, ä, ö).
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(_csv_row(event, own_agency_id))


@require_GET
@login_required
@never_cache
def event_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = signed_in(request)
    events = access_audit_log(user, Action.EXPORT)
    form = AuditEventFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filter(request, form)

    # The export event is committed before the first row leaves the server: a
    # transaction held open while streaming would be rolled back, and the export
    # forgotten, if the download were broken off. The rows are bounded by the
    # event's own number, so the file is exactly the log as it stood when logged.
    with transaction.atomic():
        export_event = do_record_event(
            user=user,
            action=AuditAction.EXPORT,
            record_type=RecordType.AUDIT_EVENT,
            detail=form.summary(),
        )
    rows = (
        form.filter(events, own_agency=user.agency)
        .filter(seq__lt=export_event.seq)
        .order_by("-seq")
    )
    agency_code = user.agency.code if user.agency else "none"
    stamp = timezone.localtime(export_event.timestamp).strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        _csv_lines(rows.iterator(chunk_size=2000), user.agency.pk if user.agency else None),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{agency_code}-{stamp}.csv"'
    return response
