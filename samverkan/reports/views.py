"""The results page and its downloads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from samverkan.accounts.models import User
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.lib.swedish_numbers import Language
from samverkan.reports import access, definitions
from samverkan.reports.exports import CONTENT_TYPES
from samverkan.reports.exports import render as render_export
from samverkan.reports.forms import ReportForm
from samverkan.reports.press import press_text
from samverkan.reports.report import Headline, Mode, Report, build_report
from samverkan.support.models import Referral, ReferralStatus


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
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
    sections = [s for s in report.sections if s.figure in allowed]
    return replace(report, headlines=headlines, sections=sections)


def _build(request: HttpRequest, user: User) -> tuple[ReportForm, Report | None]:
    form = ReportForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        return form, None
    if not form.is_bound:
        form = ReportForm({"year": timezone.localdate().year - 1}, user=user)
        form.is_valid()
    mode = Mode.PUBLIC if form.cleaned_data.get("public") else Mode.INTERNAL
    return form, _masked(build_report(form.report_filter(), mode=mode), user)


def minors_without_referral(f: definitions.Filter) -> list[dict[str, Any]]:
    """Minors found in the period with no referral since: each one needs a social worker's attention."""
    referred = Referral.objects.exclude(status=ReferralStatus.DECLINED).filter(
        client_id=OuterRef("client_link__client_id"), sent_on__gte=OuterRef("day")
    )
    encounters = (
        definitions.exploited_encounters(f, minors=True)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()), referred=Exists(referred))
        .filter(referred=False)
        .select_related("shift__area", "client_link__client")
        .order_by("occurred_at")
    )
    return [
        {"encounter": e, "client": getattr(getattr(e, "client_link", None), "client", None)}
        for e in encounters[:200]
    ]


@require_GET
@login_required
def results_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form, report = _build(request, user)
    if report is None:
        return render(request, "reports/results.html", {"form": form}, status=400)
    missing = None
    if not report.is_public and access.can_list_minors_without_referral(user):
        missing = minors_without_referral(report.period)
    return render(
        request,
        "reports/results.html",
        {
            "form": form,
            "report": report,
            "press": press_text(report, _language()),
            "missing": missing,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def results_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _user(request)
    if fmt not in CONTENT_TYPES:
        raise Http404
    form, report = _build(request, user)
    if report is None:
        return render(request, "reports/results.html", {"form": form}, status=400)
    body = render_export(report, fmt, _language())
    with transaction.atomic():
        do_record_event(
            user=user,
            action=AuditAction.EXPORT,
            record_type="results",
            detail=f"{fmt} {report.mode.value} {report.period.start}–{report.period.end}"[:500],
        )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    extension = {"text": "txt"}.get(fmt, fmt)
    name = f"samverkan-resultat-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}-{report.mode.value}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
