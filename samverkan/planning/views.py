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
from samverkan.planning.forms import MapFilterForm
from samverkan.planning.geo import AREAS_STATIC


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
