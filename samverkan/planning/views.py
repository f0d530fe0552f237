"""The map: venues, encounters as counts, tips and networks, over the areas' outlines or a tile server."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.accounts.access import require, require_list, signed_in
from samverkan.accounts.models import Area, Collaboration, User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.lib import shiftplan
from samverkan.operations import actions as operations
from samverkan.operations.models import ShiftBasis, Venue
from samverkan.planning import mapdata
from samverkan.planning.forms import (
    MapFilterForm,
    PatternFilterForm,
    PlanForm,
    ProposedShiftFormSet,
    next_monday,
)
from samverkan.planning.geo import AREAS_STATIC
from samverkan.planning.patterns import (
    Filters,
    counts_reported_buyers,
    month_trends,
    recurring_venues,
    shift_yield,
    unvisited_tipped_venues,
    week_tables,
)
from samverkan.planning.plan import Gathered, gather, may_plan, plan_areas


@require_GET
@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The page; its points come from ``map_data`` with the same query."""
    user = signed_in(request)
    require_list(user, RecordType.VENUE)
    form = MapFilterForm(request.GET or None, user=user)
    valid = not form.is_bound or form.is_valid()
    query = request.GET.urlencode() if valid else ""
    strings = {
        "open": _("Open"), "approximate": _("Position approximate (the area's centre)"),
        "encounters": _("encounters"), "items": _("items"), "error": _("The map's points could not be loaded."),
        "venues": _("Venues"), "tips": _("Tips"), "networks": _("Networks"), "heat": _("Heat"),
    }
    return render(request, "planning/map.html", {
        "form": form,
        "data_url": reverse("planning:map_data") + (f"?{query}" if query else ""),
        "areas_url": static(AREAS_STATIC),
        "tiles": settings.SAMVERKAN_MAP_TILES,
        "attribution": settings.SAMVERKAN_MAP_ATTRIBUTION,
        "strings": strings,
    }, status=200 if valid else 400)


@require_GET
@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    """The points as JSON, read through the filter form; audited like a list."""
    user = signed_in(request)
    require_list(user, RecordType.VENUE)
    form = MapFilterForm(request.GET, user=user)
    if not form.is_valid():
        return JsonResponse({"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}}, status=400)
    start, end = form.period()
    data = form.cleaned_data
    result = mapdata.build(user, layers=data["layers"], start=start, end=end, area=data["area"], kind=data["kind"])
    areas = Area.objects.filter(code__isnull=False).values_list("code", "name")
    result["areas"] = dict(areas)
    do_record_event(
        user=user, action=AuditAction.LIST, record_type=RecordType.VENUE,
        detail=(
            f"map: {data['start']}..{data['end']}; area={data['area'].code if data['area'] else '-'}; "
            f"kind={data['kind'] or '-'}; layers={','.join(data['layers'])}; points={len(result['points'])}"
        )[:500],
    )
    response = JsonResponse(result)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def patterns(request: HttpRequest) -> HttpResponse:
    """The week's heat table: encounters and tips by hour of the week, filtered like the map."""
    user = signed_in(request)
    require_list(user, RecordType.VENUE)
    form = PatternFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        return render(request, "planning/patterns.html", {"form": form, "tables": []}, status=400)
    if not form.is_bound:
        form = PatternFilterForm({}, user=user)
        form.is_valid()
    start, end = form.period()
    data = form.cleaned_data
    tables = week_tables(
        user, start=start, end=end, area=data["area"], kind=data["kind"],
        labels={"encounters": _("Encounters"), "tips": _("Tips")},
    )
    do_record_event(
        user=user, action=AuditAction.LIST, record_type=RecordType.VENUE,
        detail=f"patterns: {data['start']}..{data['end']}; area={data['area'].code if data['area'] else '-'}; kind={data['kind'] or '-'}",
    )
    filters = Filters(start=start, end=end, area=data["area"], kind=data["kind"])
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    rows = [
        {"label": table.label, "total": table.total, "days": [
            (days[d], [(table.counts[d][h], table.shade(table.counts[d][h])) for h in range(24)]) for d in range(7)
        ]}
        for table in tables
    ]
    return render(request, "planning/patterns.html", {
        "form": form, "tables": rows, "hours": list(range(24)),
        "months": month_trends(user, filters),
        "yield_rows": shift_yield(user, filters),
        "buyers_reported": counts_reported_buyers(user),
        "recurring": recurring_venues(user, filters),
        "unvisited": unvisited_tipped_venues(user, filters),
        "may_plan": may_plan(user),
    })


def _reason_line(reason: shiftplan.Reason, gathered: Gathered) -> str:
    """One reason in the user's language."""
    f = dict(reason.figures)
    venue = gathered.venues[reason.venue].name if reason.venue in gathered.venues else ""
    if reason.code == "hours":
        return _(
            "These hours in the last six months: %(found)s persons found (%(minors)s minors) on %(shift_hours)s shift "
            "hours; %(tips)s tips about these hours."
        ) % f
    if reason.code == "tips":
        return _("%(venue)s: %(tips)s recent tips, the newest %(days)s days old.") % {
            "venue": venue, "tips": f["tips"], "days": f["newest_days"],
        }
    if reason.code == "network":
        return _("%(venue)s: network activity, %(items)s items of %(networks)s networks at the address in the last 90 days.") % {
            "venue": venue, **f,
        }
    if reason.code == "yield":
        return _("%(venue)s: past yield, %(persons)s persons found (%(minors)s minors) over %(visits)s visits.") % {
            "venue": venue, **f,
        }
    if reason.code == "since":
        return _("%(venue)s: last visited %(days)s days ago.") % {"venue": venue, **f}
    return _("%(venue)s: never visited by a shift.") % {"venue": venue}


def _plan_user(request: HttpRequest) -> tuple[User, Collaboration]:
    """Who may plan: reads the tips (else 404, audited) and may create shifts (else 403)."""
    user = signed_in(request)
    require_list(user, RecordType.TIP)
    require(user, RecordType.SHIFT, Action.CREATE)
    collaboration = user.collaborations().order_by("pk").first()
    if collaboration is None:
        raise Http404
    return user, collaboration


@require_http_methods(["GET", "POST"])
@login_required
def proposal(request: HttpRequest) -> HttpResponse:
    """A proposed plan for a week: the shifts, their venues and why; accepted as changed, in one step."""
    user, collaboration = _plan_user(request)
    form = PlanForm(request.GET or {"week": next_monday().isoformat(), "shifts": 4, "hours": 4})
    if not form.is_valid():
        return render(request, "planning/proposal.html", {"form": form, "formset": None}, status=400)
    week = form.cleaned_data["week"]
    gathered = gather(user, collaboration, form.week_start())
    proposed = shiftplan.propose(gathered.facts, shiftplan.Settings(shifts=form.cleaned_data["shifts"], hours=form.cleaned_data["hours"]))
    offered = sorted({pk for shift in proposed for pk in shift.venues})
    venue_qs = Venue.objects.visible_to(user, Action.LIST).filter(collaboration=collaboration, pk__in=offered)
    initial = [
        {
            "include": True, "area": gathered.areas[shift.area], "day": week + dt.timedelta(days=shift.day),
            "start": dt.time(shift.start_hour), "hours": shift.hours, "venues": list(shift.venues),
        }
        for shift in proposed
    ]
    reasons = [[_reason_line(r, gathered) for r in shift.reasons] for shift in proposed]
    kwargs = {"areas": plan_areas(user, week), "venues": venue_qs}
    # The proposal read is audited whether it is shown or accepted (the shifts made are audited by their action).
    do_record_event(
        user=user, action=AuditAction.LIST, record_type=RecordType.SHIFT,
        detail=f"plan: week={week}; shifts={form.cleaned_data['shifts']}; hours={form.cleaned_data['hours']}; proposed={len(proposed)}",
    )
    if request.method == "POST":
        formset = ProposedShiftFormSet(request.POST, initial=initial, form_kwargs=kwargs)
        if formset.is_valid():
            created = []
            try:
                with transaction.atomic():
                    for index, shift_form in enumerate(formset.forms):
                        if not shift_form.cleaned_data.get("include"):
                            continue
                        starts, ends = shift_form.window()
                        why = reasons[index] if index < len(reasons) else []
                        created.append(operations.do_create_shift(
                            collaboration=collaboration, area=shift_form.cleaned_data["area"], starts_at=starts, ends_at=ends,
                            basis=ShiftBasis.INTELLIGENCE, planned_venues=shift_form.cleaned_data["venues"],
                            briefing="\n".join([str(_("Proposed plan, week %(week)s.") % {"week": week.isocalendar().week}), *why]),
                            acting_user=user,
                        ))
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)  # type: ignore[attr-defined]
            else:
                messages.success(request, _("%(n)s shifts planned.") % {"n": len(created)})
                first = timezone.localdate(min((s.starts_at for s in created), default=form.week_start()))
                return redirect(reverse("operations:shift_calendar") + f"?year={first.year}&month={first.month}")
        status = 400
    else:
        formset = ProposedShiftFormSet(initial=initial, form_kwargs=kwargs)
        status = 200
    rows = [(shift_form, reasons[i] if i < len(reasons) else []) for i, shift_form in enumerate(formset.forms)]
    return render(request, "planning/proposal.html", {
        "form": form, "formset": formset, "rows": rows, "week": week, "week_number": week.isocalendar().week,
    }, status=status)
