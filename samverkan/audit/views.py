"""The auditor's view of the log: a filtered list, and the form that starts its CSV export.

An agency's auditors see their own agency's events (``AuditEvent.objects.visible_to``)
and every event of another agency's users about a record their agency owns
(a disclosed read, list or refused read: ``audit.owners``), so that the owner
sees who of the other agency read its records. Of those events they see the
reader's agency and role, the time, the record and the purpose, but not who
the reader is (name, id, address, request id): that is the other agency's
personal data, which its own auditors hold. Anyone else gets 404, so that the
page's existence tells them nothing, and the attempt is itself logged as
``denied``. Reading the log is logged too. The export itself is a background job
(``jobs/audit_export.py``, with the rows of ``audit/export.py``): the log can hold millions
of events.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from samverkan.accounts.access import audited_page, signed_in
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.export import may_read_log, readable_events
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.audit.models import AuditAction, AuditEventQuerySet

PAGE_SIZE = 50


def access_audit_log(user: User, action: Action) -> AuditEventQuerySet:
    """The events ``user`` may read for ``action``; 404 (logged as ``denied``) for anyone else."""
    if not may_read_log(user, action):
        do_record_event(
            user=user,
            action=AuditAction.DENIED,
            record_type=RecordType.AUDIT_EVENT,
            detail=f"audit log {action}",
        )
        raise Http404
    return readable_events(user)


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
        "filtered": bool(summary),
        # The export form carries the filter in use, and a key so that a form sent twice starts one job.
        "export_fields": form.criteria(),
        "export_key": uuid.uuid4(),
        "own_agency_id": user.agency.pk if user.agency else None,
    }
    return render(request, "audit/event_list.html", context)


