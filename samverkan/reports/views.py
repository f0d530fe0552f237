"""The results page, and the download buttons that start its export jobs (``jobs.py``)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from samverkan.accounts.access import signed_in
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import do_record_event, do_record_views
from samverkan.audit.models import AuditAction
from samverkan.jobs.actions import do_start_job
from samverkan.lib.swedish_numbers import Language
from samverkan.operations.models import Encounter
from samverkan.reports import access, definitions
from samverkan.reports.forms import ExportForm, ReportForm
from samverkan.reports.jobs import RESULTS_EXPORT, query_of
from samverkan.reports.press import press_text
from samverkan.reports.report import Headline, Mode, Report, build_report
from samverkan.support.models import Client, ClientEncounter


def _results_user(request: HttpRequest) -> User:
    """The user, if they may open the results at all; 404 for everyone else."""
    user = signed_in(request)
    if not access.can_open_results(user):
        raise Http404
    return user


def _language() -> Language:
    return "en" if get_language() == "en" else "sv"


def _masked(report: Report, user: User) -> Report:
    """Hide, in an exact report, the figures the user's role may not see."""
    if report.is_public:
        return report
    allowed = access.exact_figures(user)
    beside = {shown.figure: follow_up.figure for shown, follow_up in definitions.headlines() if follow_up is not None}
    headlines = [
        h if h.key in allowed else Headline(h.key, h.label, None, None)  # type: ignore[arg-type]
        for h in report.headlines
    ]
    headlines = [
        h if h.followed_up is None or beside[h.key] in allowed else replace(h, followed_up=None)
        for h in headlines
    ]
    notes = access.exact_notes(user)
    headlines = [replace(h, notes=tuple(n for n in h.notes if n.key in notes)) for h in headlines]
    sections = [s for s in report.sections if s.figure in allowed]
    return replace(report, headlines=headlines, sections=sections)


def _build(request: HttpRequest, user: User) -> tuple[ReportForm, Report | None]:
    return build_for(user, request.GET or None)


def build_for(user: User, data: Any) -> tuple[ReportForm, Report | None]:
    """The report the results page shows ``user`` for ``data`` (the page's query), or the
    bound form with its errors; the API serves the same object."""
    form = ReportForm(data, user=user)
    if form.is_bound and not form.is_valid():
        return form, None
    if not form.is_bound:
        form = ReportForm({"year": timezone.localdate().year - 1}, user=user)
        form.is_valid()
    mode = Mode.PUBLIC if form.cleaned_data.get("public") else Mode.INTERNAL
    return form, _masked(build_report(form.report_filter(), mode=mode), user)


def minors_without_referral(user: User, f: definitions.Filter) -> list[dict[str, Any]]:
    """Minors found in the period with no referral since: each one needs a social worker's attention.

    Through the gate like any list: the encounters the user may see, the clients of the user's
    own agency; the list and every client named on it are audited.
    """
    referred = definitions.referred_since(OuterRef("client_link__client_id"), OuterRef("day"))
    encounters = (
        definitions.exploited_encounters(f, minors=True)
        .filter(pk__in=Encounter.objects.visible_to(user).values("pk"))
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()), referred=Exists(referred))
        .filter(referred=False)
        .select_related("shift__area")
        .order_by("occurred_at")
    )[:200]
    clients = Client.objects.visible_to(user, Action.VIEW).in_bulk(
        {link.client_id for link in ClientEncounter.objects.filter(encounter__in=[e.pk for e in encounters])}
    )
    client_of = {
        link.encounter_id: clients.get(link.client_id)
        for link in ClientEncounter.objects.filter(encounter__in=[e.pk for e in encounters])
    }
    rows = [{"encounter": e, "client": client_of.get(e.pk)} for e in encounters]
    with transaction.atomic():
        do_record_event(
            user=user,
            action=AuditAction.LIST,
            record_type=RecordType.ENCOUNTER,
            detail=f"minors without a referral; ids={','.join(str(e.pk) for e in encounters)}"[:500],
        )
        do_record_views(
            user=user,
            record_type=RecordType.CLIENT,
            record_ids=sorted({c.pk for c in clients.values()}),
            detail="minor without a referral",
        )
    return rows


@require_GET
@login_required
def results_page(request: HttpRequest) -> HttpResponse:
    user = _results_user(request)
    form, report = _build(request, user)
    if report is None:
        return render(request, "reports/results.html", {"form": form}, status=400)
    missing = None
    if not report.is_public and access.can_list_minors_without_referral(user):
        missing = minors_without_referral(user, report.period)
    return render(
        request,
        "reports/results.html",
        {
            "form": form,
            "report": report,
            "press": press_text(report, _language()),
            "missing": missing,
            "export_fields": _export_fields(form),
            "export_key": uuid.uuid4(),
        },
    )


def _export_fields(form: ReportForm) -> list[tuple[str, str]]:
    """The report's choices as hidden fields of the download form: the file is the report shown."""
    data = form.data
    fields = []
    for name in ReportForm.base_fields:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        fields += [(name, str(v)) for v in values if v not in (None, "")]
    return fields


@require_POST
@login_required
def results_export(request: HttpRequest) -> HttpResponse:
    """A download button: checks the choices, starts the job and sends the user to its page."""
    user = _results_user(request)
    choice = ExportForm(request.POST)
    form = ReportForm(request.POST, user=user)
    report_ok = form.is_valid()
    if not choice.is_valid() or not report_ok:
        error = " ".join(str(m) for errors in choice.errors.values() for m in errors)
        return render(request, "reports/results.html", {"form": form, "error": error}, status=400)
    key = choice.cleaned_data.get("key")
    job = do_start_job(
        RESULTS_EXPORT, acting_user=user, params={"fmt": choice.cleaned_data["fmt"], "query": query_of(form)},
        key=str(key) if key else "",
    )
    return redirect("jobs:job_detail", pk=job.pk)
