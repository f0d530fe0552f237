"""The map: venues, encounters as counts, tips and networks, over the areas' outlines or a tile server."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samverkan.accounts.access import require_list, signed_in
from samverkan.accounts.models import Area
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.planning import mapdata
from samverkan.planning.forms import MapFilterForm, PatternFilterForm
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
    })
