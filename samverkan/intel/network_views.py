"""Networks for the analyst: ranked list, detail, graph, explanations, review and exports.

Police analysts and investigators of the owning agency only; everyone else
gets 404 (audited as denied). Reads, exports and follow-ups are audited.
Indicators are signs with their evidence for a person to review, never a
verdict; possible minors wait in the review queue first.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import access_or_404, audited_page, require, require_list, signed_in
from samverkan.accounts.forms import apply_errors, form_page
from samverkan.accounts.policy import Action, RecordType, can, reads_summary_only
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel import actions
from samverkan.intel import jobs as intel_jobs
from samverkan.intel.access import access_network
from samverkan.intel.exports import EXPORTS
from samverkan.intel.forms import (
    IndicatorReviewForm,
    NetworkFilterForm,
    NetworkShiftForm,
    NetworkTipForm,
)
from samverkan.intel.graph import build_graph, evidence_kinds, list_view
from samverkan.intel.models import (
    Entity,
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    IntelItem,
    ItemEntity,
    LinkRun,
    Network,
    NetworkFollowUp,
    NetworkLink,
)
from samverkan.intel.places import city_names, network_cities, network_places, propose, show_city
from samverkan.intel.views import PAGE_SIZE
from samverkan.investigations.forms import CrimeReportForm
from samverkan.jobs.actions import do_start_job
from samverkan.operations.models import Venue
from samverkan.operations.venues import own_cities

# --- List ----------------------------------------------------------------------------------------


@require_GET
@login_required
def network_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.NETWORK)
    form = NetworkFilterForm(request.GET)
    networks = Network.objects.visible_to(user, Action.LIST).active()
    summary = ""
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            from samverkan.intel import entities as entity_adapter

            q = data["q"].strip()
            values = {q, *entity_adapter.search_values(q)}
            items_with = ItemEntity.objects.filter(
                entity__in=Entity.objects.visible_to(user).filter(value__in=values),
                item__membership__network=OuterRef("pk"),
            )
            networks = networks.filter(Q(key__iexact=q) | Exists(items_with))
            summary += f"q={q}; "
        if data.get("indicator"):
            networks = networks.filter(
                indicators__kind=data["indicator"],
                indicators__status__in=[IndicatorStatus.OPEN, IndicatorStatus.CONFIRMED, IndicatorStatus.AWAITING_REVIEW],
            )
            summary += f"indicator={data['indicator']}; "
        if data.get("min_size"):
            networks = networks.filter(item_count__gte=data["min_size"])
            summary += f"min_size={data['min_size']}; "
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    ordered = networks.order_by(*form.ORDERINGS[sort]) if sort else networks.ranked()
    page = audited_page(
        request,
        ordered.prefetch_related("indicators"),
        user=user,
        record=RecordType.NETWORK,
        detail=summary.rstrip("; "),
        size=PAGE_SIZE,
    )
    last_run = LinkRun.objects.visible_to(user).filter(mode=LinkRun.Mode.BATCH, finished_at__isnull=False).first()
    awaiting = Indicator.objects.filter(
        network__in=Network.objects.visible_to(user), status=IndicatorStatus.AWAITING_REVIEW
    ).count()
    return render(request, "intel/network_list.html", {
        "form": form, "page": page, "last_run": last_run, "awaiting": awaiting,
        "can_link": can(user, RecordType.NETWORK, Action.UPDATE),
        "unlinked": IntelItem.objects.visible_to(user).filter(membership__isnull=True).count(),
    }, status=200 if form.is_valid() else 400)


@require_POST
@login_required
def network_link_run(request: HttpRequest) -> HttpResponse:
    """Start linking every item of the agency in the background; its page shows the progress."""
    user = signed_in(request)
    require_list(user, RecordType.NETWORK)
    require(user, RecordType.NETWORK, Action.UPDATE)
    job = do_start_job(intel_jobs.LINK, acting_user=user)
    return redirect("jobs:job_detail", pk=job.pk)


# --- Detail --------------------------------------------------------------------------------------


@require_GET
@login_required
def network_detail(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in(request)
    network = access_network(user, key, summary=True)
    if reads_summary_only(user, RecordType.NETWORK):
        # A coordinator plans from it: figures, places and the kinds of indicators (policy.SUMMARY_FIELDS).
        return render(request, "intel/network_summary.html", {
            "network": network,
            "cities": network_cities(network),
            "venues": network_places(network),
            "indicators": sorted({i.get_kind_display() for i in network.indicators.exclude(status=IndicatorStatus.DISMISSED)}),
            "can_shift": can(user, RecordType.SHIFT, Action.CREATE),
            "can_tip": can(user, RecordType.TIP, Action.CREATE),
        })
    items = (
        IntelItem.objects.filter(membership__network=network)
        .order_by("-observed_at", "-pk")
    )
    item_page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    names = city_names(IntelItem.objects.filter(membership__network=network).exclude(city="").values_list("city", flat=True).distinct())
    for item in item_page:
        item.city = show_city(names, item.city)  # one spelling per city on the page (not saved)
    links = list(
        NetworkLink.objects.filter(network=network)
        .select_related("item_a", "item_b")
        .order_by("-match_weight", "pk")[:100]
    )
    entities = (
        Entity.objects.filter(item_links__item__membership__network=network)
        .distinct()
        .select_related("glue")
        .order_by("kind", "value")[:300]
    )
    indicators = [i for i in network.indicators.all() if i.status != IndicatorStatus.AWAITING_REVIEW]
    awaiting = network.indicators.filter(status=IndicatorStatus.AWAITING_REVIEW).exists()
    return render(request, "intel/network_detail.html", {
        "network": network,
        "item_page": item_page,
        "links": links,
        "entities": entities,
        "indicators": indicators,
        "awaiting_review": awaiting,
        "events": network.events.select_related("run").order_by("-at", "-pk")[:50],
        "venues": network_places(network),
        "cities": network_cities(network),
        "follow_ups": NetworkFollowUp.objects.filter(network=network).select_related("tip", "shift", "crime_report", "created_by"),
        "exports": list(EXPORTS),
        "can_crime_report": can(user, RecordType.CRIME_REPORT, Action.CREATE),
        "can_shift": can(user, RecordType.SHIFT, Action.CREATE),
    })


@require_GET
@login_required
def network_graph(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in(request)
    network = access_network(user, key)
    graph = build_graph(network)
    return render(
        request,
        "intel/network_graph.html",
        {"network": network, "graph": graph, "rows": list_view(graph), "evidence_kinds": evidence_kinds(graph)},
    )


@require_GET
@login_required
def network_graph_json(request: HttpRequest, key: str) -> JsonResponse:
    user = signed_in(request)
    network = access_network(user, key, audit=False)
    graph = build_graph(network)
    do_record_event(user=user, action=AuditAction.VIEW, record_type=RecordType.NETWORK, record_id=network.pk, detail="graph")
    data = graph.as_json()
    for node in data["nodes"]:
        if node["kind"] == "item":
            node["url"] = reverse("intel:item_detail", args=[int(node["id"].split("-", 1)[1])])
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def network_link_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """Why two items are linked: the shared entities, the similarities and the match weight."""
    user = signed_in(request)
    network = access_network(user, key, audit=False)
    link = access_or_404(
        NetworkLink.objects.filter(network=network).select_related("item_a", "item_b"),
        user, RecordType.NETWORK, pk, audit=False,
    )
    do_record_event(user=user, action=AuditAction.VIEW, record_type=RecordType.NETWORK, record_id=network.pk, detail=f"link {link.pk}")
    return render(request, "intel/network_link.html", {"network": network, "link": link})


@require_GET
@login_required
def network_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    user = signed_in(request)
    if fmt not in EXPORTS:
        raise Http404
    require_list(user, RecordType.NETWORK, Action.EXPORT)
    network = access_network(user, key, audit=False)
    content_type, render_export = EXPORTS[fmt]
    graph = build_graph(network, max_items=100_000)
    body = render_export(graph)
    do_record_event(
        user=user, action=AuditAction.EXPORT, record_type=RecordType.NETWORK, record_id=network.pk,
        detail=f"{fmt}: {len(graph.nodes)} nodes, {len(graph.edges)} edges",
    )
    extension = {"nodes.csv": "nodes.csv", "edges.csv": "edges.csv", "graphml": "graphml", "anx": "anx"}[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="network-{network.key}-{timezone.localdate():%Y%m%d}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Review --------------------------------------------------------------------------------------


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.NETWORK)
    if reads_summary_only(user, RecordType.NETWORK):
        # The queue shows the evidence's subjects (possible minors): not part of a summary.
        do_record_event(user=user, action=AuditAction.DENIED, record_type=RecordType.NETWORK, detail="review queue: summary only")
        raise Http404
    indicators = (
        Indicator.objects.filter(network__in=Network.objects.visible_to(user), status=IndicatorStatus.AWAITING_REVIEW)
        .select_related("network")
        .order_by("found_at", "pk")
    )
    page = Paginator(indicators, PAGE_SIZE).get_page(request.GET.get("page"))
    do_record_event(user=user, action=AuditAction.LIST, record_type=RecordType.NETWORK, detail=f"review queue page={page.number}")
    return render(request, "intel/review_queue.html", {"page": page, "form": IndicatorReviewForm()})


@require_http_methods(["GET", "POST"])
@login_required
def indicator_review(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    user = signed_in(request)
    network = access_network(user, key, Action.UPDATE if request.method == "POST" else Action.VIEW)
    indicator = access_or_404(Indicator.objects.filter(network=network), user, RecordType.NETWORK, pk, audit=False)
    template = "intel/indicator_review.html"
    items = IntelItem.objects.filter(
        membership__network=network, pk__in=[e.get("item") for e in indicator.evidence.get("items", []) if isinstance(e, dict)]
    ).order_by("-observed_at")[:50]
    if request.method == "GET":
        return render(request, template, {"network": network, "indicator": indicator, "items": items, "form": IndicatorReviewForm()})
    form = IndicatorReviewForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"network": network, "indicator": indicator, "items": items, "form": form}, status=400)
    try:
        actions.do_review_indicator(indicator, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, {"network": network, "indicator": indicator, "items": items, "form": form}, status=400)
    messages.success(request, _("The review is recorded."))
    if indicator.kind == IndicatorKind.POSSIBLE_MINOR and form.cleaned_data["status"] == IndicatorStatus.CONFIRMED:
        messages.warning(request, _("A possible child: consider a report of concern to social services and plan a shift."))
    return redirect("intel:network_detail", key=network.key)


# --- Follow-ups ----------------------------------------------------------------------------------


def _summary(network: Network) -> str:
    return _("Network %(key)s. Items: %(items)s, cities: %(cities)s, venues: %(venues)s.") % {
        "key": network.key, "items": network.item_count, "cities": network.city_count, "venues": network.venue_count,
    }


@require_http_methods(["GET", "POST"])
@login_required
def network_tip(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in(request)
    network = access_network(user, key, summary=True)
    require(user, RecordType.TIP, Action.CREATE)
    tip = form_page(
        request,
        "intel/network_tip.html",
        {"network": network},
        lambda data: NetworkTipForm(data, user=user, initial={"what": _summary(network)}),
        lambda data: actions.do_tip_from_network(network, acting_user=user, **data),
    )
    if isinstance(tip, HttpResponse):
        return tip
    messages.success(request, _("Tip %(number)s is created from the network.") % {"number": tip.pk})
    if can(user, RecordType.TIP, Action.VIEW):
        return redirect("intel:tip_detail", pk=tip.pk)
    return redirect("intel:network_detail", key=network.key)


@require_http_methods(["GET", "POST"])
@login_required
def network_shift(request: HttpRequest, key: str) -> HttpResponse:
    """Plan a shift from a network: existing venues proposed, new ones made only when ticked."""
    user = signed_in(request)
    network = access_network(user, key, summary=True)
    require(user, RecordType.SHIFT, Action.CREATE)
    collaboration = user.collaborations().order_by("pk").first()
    if collaboration is None:
        raise Http404
    proposal = propose(
        network, Venue.objects.visible_to(user).filter(collaboration=collaboration), own_cities(collaboration),
    )
    template = "intel/network_shift.html"
    context: dict[str, Any] = {"network": network, "proposal": proposal}
    if request.method == "GET":
        initial: dict[str, Any] = {"briefing": _summary(network), "venues": proposal.initial, "collaboration": collaboration}
        if proposal.area is not None:
            initial["area"] = proposal.area
        form = NetworkShiftForm(user=user, venues=proposal.choices(), initial=initial)
        return render(request, template, {**context, "form": form})
    form = NetworkShiftForm(request.POST, user=user, venues=proposal.choices())
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    data = form.cleaned_data
    chosen = data["venues"]
    existing = [proposal.existing[v][0] for v in chosen if v in proposal.existing]
    new = [proposal.new[v][0] for v in chosen if v in proposal.new]
    try:
        if data["collaboration"] != collaboration and existing:
            raise ValidationError({"venues": _("The proposed venues belong to another collaboration.")})
        shift = actions.do_plan_shift_from_network(
            network,
            collaboration=data["collaboration"], area=data["area"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            existing=existing,
            venues=[(p.kind, p.address, p.label) for p in new],
            outside_areas=data["outside_areas"],
            briefing=data["briefing"], acting_user=user,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, {**context, "form": form}, status=400)
    messages.success(request, _("A shift is planned at the network's venues."))
    return redirect("operations:shift_detail", pk=shift.pk)


@require_http_methods(["GET", "POST"])
@login_required
def network_crime_report(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in(request)
    network = access_network(user, key)
    require(user, RecordType.CRIME_REPORT, Action.CREATE)
    report = form_page(
        request,
        "intel/network_crime_report.html",
        {"network": network},
        lambda data: CrimeReportForm(data, user=user, initial={"narrative": _summary(network)}),
        lambda data: actions.do_crime_report_from_network(network, acting_user=user, **data),
    )
    if isinstance(report, HttpResponse):
        return report
    messages.success(request, _("Crime report %(number)s is registered from the network.") % {"number": report.case_number})
    return redirect("investigations:report_detail", pk=report.pk)
