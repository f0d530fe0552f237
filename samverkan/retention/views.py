"""The rules in force (for an agency's administrators) and placing or lifting a legal hold."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samverkan.accounts.access import require, require_list, signed_in
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.retention.actions import do_lift_hold, do_place_hold, do_start_purge, holdable_record
from samverkan.retention.forms import HoldForm, LiftHoldForm, StartPurgeForm
from samverkan.retention.holdable import HOLDABLE
from samverkan.retention.models import LegalHold, RetentionExemption, RetentionRule


@require_GET
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.RETENTION_RULE)
    today = timezone.localdate()
    kind = user.agency.kind if user.agency else ""
    in_force = RetentionRule.objects.valid_on(today).filter(agency_kind=kind).order_by("record_type")
    exemptions = RetentionExemption.objects.valid_on(today).filter(agency_kind=kind)
    do_record_event(user=user, action=AuditAction.LIST, record_type=RecordType.RETENTION_RULE, detail="rules in force")
    return render(
        request,
        "retention/rules.html",
        {
            "rules": in_force,
            "exemptions": exemptions,
            "today": today,
            "can_purge": can(user, RecordType.RETENTION_RULE, Action.UPDATE) and user.agency is not None,
        },
    )


@require_POST
@login_required
def start_purge(request: HttpRequest) -> HttpResponse:
    """Start a dry run or the purge of the agency's records as a job; its page shows the result."""
    user = signed_in(request)
    require_list(user, RecordType.RETENTION_RULE)
    require(user, RecordType.RETENTION_RULE, Action.UPDATE)
    form = StartPurgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a dry run or the purge."))
        return redirect("retention:rules")
    job = do_start_purge(dry_run=form.cleaned_data["mode"] == "dry_run", acting_user=user)
    return redirect("jobs:job_detail", pk=job.pk)


def _back(record_type: str, record: object) -> HttpResponse:
    return redirect(HOLDABLE[record_type].url(record) + "#legal-hold")


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_POST
@login_required
def place_hold(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.LEGAL_HOLD, Action.CREATE)
    record = holdable_record(user, record_type, pk)
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the record must be kept."))
        return _back(record_type, record)
    try:
        do_place_hold(record_type=record_type, record_id=pk, reason=form.cleaned_data["reason"], acting_user=user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The record is under a legal hold: the purge keeps it until the hold is lifted."))
    return _back(record_type, record)


@require_POST
@login_required
def lift_hold(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.LEGAL_HOLD, Action.UPDATE)
    hold = LegalHold.objects.filter(pk=pk, agency=user.agency).first() if user.agency else None
    if hold is None or hold.record_type not in HOLDABLE:
        raise Http404
    record = holdable_record(user, hold.record_type, hold.record_id)
    form = LiftHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold is lifted."))
        return _back(hold.record_type, record)
    try:
        do_lift_hold(hold, reason=form.cleaned_data["reason"], acting_user=user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The legal hold was lifted."))
    return _back(hold.record_type, record)
