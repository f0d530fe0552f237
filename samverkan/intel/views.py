"""Pages for tips, intelligence items, imports and entities.

Anyone working cases may submit a tip; police analysts triage them. Items,
entities and imports are for police analysts and investigators only: everyone
else gets 404, as do hidden and missing records, and every read and refusal
is audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import audited_page, require, require_list, signed_in
from samverkan.accounts.forms import apply_errors, form_page
from samverkan.accounts.models import Role
from samverkan.accounts.policy import Action, RecordType, Scope, can, reads_summary_only, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel import actions, linking
from samverkan.intel import jobs as intel_jobs
from samverkan.intel.access import (
    access_entity,
    access_item,
    access_tip,
)
from samverkan.intel.forms import (
    AssessTipForm,
    CloseTipForm,
    ImportForm,
    IntelItemForm,
    LinkTipForm,
    ListSearchForm,
    SourcePurposeForm,
    TipFilterForm,
    TipForm,
    TipShiftForm,
)
from samverkan.intel.importing import detect_format
from samverkan.intel.models import (
    Entity,
    ImportBatch,
    IntelItem,
    ItemEntity,
    Network,
    Tip,
    TipStatus,
)
from samverkan.jobs.actions import do_start_job

PAGE_SIZE = 50



# --- Tips --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def tip_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not can(user, RecordType.TIP, Action.CREATE):
        raise Http404
    tip = form_page(
        request,
        "intel/tip_form.html",
        {"can_disclose": can(user, RecordType.DISCLOSURE, Action.CREATE)},
        lambda data: TipForm(data, user=user),
        lambda data: actions.do_submit_tip(acting_user=user, **TipForm.tip_data(data)),
    )
    if isinstance(tip, HttpResponse):
        return tip
    messages.success(request, _("Thank you. The tip was sent to the police (number %(number)s).") % {"number": tip.pk})
    if can(user, RecordType.TIP, Action.VIEW):
        return redirect("intel:tip_detail", pk=tip.pk)
    return redirect("web:start")


@require_GET
@login_required
def tip_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.TIP)
    form = TipFilterForm(request.GET)
    tips = Tip.objects.visible_to(user, Action.LIST).select_related("collaboration")
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    tips = tips.filter(status=status) if status else tips.open()
    page = audited_page(
        request,
        tips.order_by("-submitted_at", "-pk"),
        user=user,
        record=RecordType.TIP,
        detail=f"status={status or 'open'}",
        size=PAGE_SIZE,
    )
    counts = dict(
        Tip.objects.visible_to(user, Action.LIST).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    status_counts = [(label, counts.get(value, 0)) for value, label in TipStatus.choices]
    return render(request, "intel/tip_list.html", {"form": form, "page": page, "status_counts": status_counts})


def _tip_context(request: HttpRequest, tip: Tip, **forms_: Any) -> dict[str, Any]:
    user = signed_in(request)
    writable = user_scope(user, RecordType.TIP, Action.UPDATE) is Scope.OWN_AGENCY and tip.is_open
    context: dict[str, Any] = {
        "tip": tip,
        "writable": writable,
        "has_source": hasattr(tip, "source"),
        "can_read_source": user.role == Role.POLICE_ANALYST,
        "can_add_to_intel": writable and tip.intel_item_id is None and can(user, RecordType.INTEL_ITEM, Action.CREATE),
        "assess_form": forms_.get("assess_form") or AssessTipForm(initial={"relevance": tip.relevance, "urgency": tip.urgency, "assessment": tip.assessment}),
        "link_form": forms_.get("link_form") or LinkTipForm(user=user, collaboration=tip.collaboration),
        "close_form": forms_.get("close_form") or CloseTipForm(),
        "purpose_form": SourcePurposeForm(),
    }
    return context


@require_GET
@login_required
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    tip = access_tip(user, pk, summary=True)
    if reads_summary_only(user, RecordType.TIP):
        # A coordinator plans from it: what, where and when, never the source (policy.SUMMARY_FIELDS).
        network = tip.network if tip.network_id and Network.objects.visible_to(user, Action.VIEW).filter(pk=tip.network_id).exists() else None
        plannable = can(user, RecordType.SHIFT, Action.CREATE) and tip.status in (TipStatus.ASSESSED, TipStatus.LINKED)
        return render(request, "intel/tip_summary.html", {"tip": tip, "network": network, "plannable": plannable})
    return render(request, "intel/tip_detail.html", _tip_context(request, tip))


def _after_tip_post(request: HttpRequest, tip: Tip, exc: ValidationError, **forms_: Any) -> HttpResponse:
    context = _tip_context(request, tip, **forms_)
    context["error"] = " ".join(exc.messages)
    return render(request, "intel/tip_detail.html", context, status=400)


@require_POST
@login_required
def tip_assess(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    tip = access_tip(user, pk, Action.UPDATE)
    form = AssessTipForm(request.POST)
    if not form.is_valid():
        return _after_tip_post(request, tip, ValidationError(_("Choose relevance and urgency.")), assess_form=form)
    try:
        actions.do_assess_tip(tip, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        return _after_tip_post(request, tip, exc, assess_form=form)
    messages.success(request, _("The tip is assessed."))
    return redirect("intel:tip_detail", pk=tip.pk)


@require_POST
@login_required
def tip_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    tip = access_tip(user, pk, Action.UPDATE)
    form = LinkTipForm(request.POST, user=user, collaboration=tip.collaboration)
    if not form.is_valid():
        return _after_tip_post(request, tip, ValidationError(_("Choose from the lists what to link the tip to.")), link_form=form)
    try:
        actions.do_link_tip(tip, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        return _after_tip_post(request, tip, exc, link_form=form)
    messages.success(request, _("The tip is linked."))
    return redirect("intel:tip_detail", pk=tip.pk)


@require_POST
@login_required
def tip_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    tip = access_tip(user, pk, Action.UPDATE)
    form = CloseTipForm(request.POST)
    if not form.is_valid():
        return _after_tip_post(request, tip, ValidationError(_("Say why the tip is closed.")), close_form=form)
    try:
        actions.do_close_tip(tip, note=form.cleaned_data["note"], acting_user=user)
    except ValidationError as exc:
        return _after_tip_post(request, tip, exc, close_form=form)
    messages.success(request, _("The tip is closed."))
    return redirect("intel:tip_detail", pk=tip.pk)


@require_POST
@login_required
def tip_to_intel(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    tip = access_tip(user, pk, Action.UPDATE)
    require(user, RecordType.INTEL_ITEM, Action.CREATE)
    try:
        item = actions.do_tip_to_intel(tip, acting_user=user)
    except ValidationError as exc:
        return _after_tip_post(request, tip, exc)
    _link_new_item(request, item)
    return redirect("intel:tip_detail", pk=tip.pk)


@require_http_methods(["GET", "POST"])
@login_required
def tip_shift(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a shift from a tip: the analysts who triage it, or a coordinator from its summary."""
    user = signed_in(request)
    if reads_summary_only(user, RecordType.TIP):
        tip = access_tip(user, pk, summary=True)
    else:
        tip = access_tip(user, pk, Action.UPDATE)
    require(user, RecordType.SHIFT, Action.CREATE)
    template = "intel/tip_shift.html"
    initial: dict[str, Any] = {"briefing": _("Based on tip %(number)s.") % {"number": tip.pk}}
    if tip.venue is not None:
        initial["planned_venues"] = [tip.venue.pk]
        if tip.venue.area_id:
            initial["area"] = tip.venue.area_id
    shift = form_page(
        request,
        template,
        {"tip": tip},
        lambda data: TipShiftForm(data, user=user, collaboration=tip.collaboration, initial=initial),
        lambda data: actions.do_plan_shift_from_tip(tip, acting_user=user, **data),
    )
    if isinstance(shift, HttpResponse):
        return shift
    messages.success(request, _("A shift is planned from the tip."))
    return redirect("operations:shift_detail", pk=shift.pk)


@require_http_methods(["GET", "POST"])
@login_required
def tip_source(request: HttpRequest, pk: int) -> HttpResponse:
    """The source's identity: police analysts only, after stating why; every read audited."""
    user = signed_in(request)
    tip = access_tip(user, pk)
    if user.role != Role.POLICE_ANALYST:
        do_record_event(user=user, action=AuditAction.DENIED, record_type=RecordType.TIP, record_id=tip.pk, detail="source")
        raise Http404
    template = "intel/tip_source.html"
    if request.method == "GET":
        return render(request, template, {"tip": tip, "form": SourcePurposeForm()})
    form = SourcePurposeForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"tip": tip, "form": form}, status=400)
    try:
        source = actions.read_tip_source(tip, acting_user=user, purpose=form.cleaned_data["purpose"])
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, {"tip": tip, "form": form}, status=400)
    response = render(request, template, {"tip": tip, "source": source, "shown": True})
    response["Cache-Control"] = "no-store"
    return response


# --- Intelligence items --------------------------------------------------------------------------


def _link_new_item(request: HttpRequest, item: IntelItem) -> None:
    """Link a new item at once; if that fails the item stays, for the next linkage run."""
    try:
        network = linking.link_item(item, acting_user=signed_in(request))
    except linking.LinkageUnavailable as exc:
        messages.warning(request, _("The item is saved but not linked yet: %(reason)s") % {"reason": exc})
        return
    if network is None:
        messages.success(request, _("The item is saved. It is not linked to any network."))
    else:
        messages.success(request, _("The item is saved and linked to network %(key)s.") % {"key": network.key})


@require_GET
@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.INTEL_ITEM)
    search = ListSearchForm(request.GET)
    if not search.is_valid():
        return render(request, "errors/400.html", status=400)
    q = search.cleaned_data["q"]
    items = IntelItem.objects.visible_to(user, Action.LIST).select_related("membership__network")
    if q:
        items = items.filter(Q(external_id=q) | Q(title__icontains=q) | Q(city__iexact=q))
    page = audited_page(
        request,
        items.order_by("-observed_at", "-pk"),
        user=user,
        record=RecordType.INTEL_ITEM,
        detail=f"q={q}" if q else "",
        size=PAGE_SIZE,
    )
    return render(request, "intel/item_list.html", {
        "page": page, "q": q,
        "can_create": can(user, RecordType.INTEL_ITEM, Action.CREATE),
        "batches": ImportBatch.objects.visible_to(user).exclude(file_format__in=["manual", "tip"])[:5],
    })


@require_http_methods(["GET", "POST"])
@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.INTEL_ITEM, Action.CREATE)
    template = "intel/item_form.html"
    if request.method == "GET":
        return render(request, template, {"form": IntelItemForm()})
    form = IntelItemForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        item = actions.do_create_item(acting_user=user, **form.record())
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, {"form": form}, status=400)
    _link_new_item(request, item)
    return redirect("intel:item_detail", pk=item.pk)


@require_GET
@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    item = access_item(user, pk)
    links = ItemEntity.objects.filter(item=item).select_related("entity").order_by("entity__kind", "entity__value")
    membership = getattr(item, "membership", None)
    return render(request, "intel/item_detail.html", {
        "item": item, "links": links, "network": membership.network if membership else None,
    })


# --- Imports -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Keep the file and start an import job; the job's page shows its progress and result."""
    user = signed_in(request)
    require_list(user, RecordType.INTEL_ITEM, Action.CREATE)
    template = "intel/import_form.html"
    if request.method == "GET":
        return render(request, template, {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    stored = intel_jobs.store_upload(upload)
    try:
        job = do_start_job(
            intel_jobs.IMPORT,
            acting_user=user,
            key=form.cleaned_data["key"],
            params={
                "stored": stored,
                "display_name": Path(upload.name).name[:300],
                "file_format": detect_format(upload.name),
                "strict": form.cleaned_data["strict"],
                "encoding": form.cleaned_data["encoding"] or None,
            },
        )
    except BaseException:
        intel_jobs.discard_upload(stored)
        raise
    if job.params.get("stored") != stored:
        # The same form sent twice: the first job has the file.
        intel_jobs.discard_upload(stored)
    return redirect("jobs:job_detail", pk=job.pk)


@require_GET
@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.INTEL_ITEM, Action.VIEW)
    batch = ImportBatch.objects.visible_to(user, Action.VIEW).filter(pk=pk).first()
    if batch is None:
        do_record_event(user=user, action=AuditAction.DENIED, record_type=RecordType.INTEL_ITEM, record_id=f"import:{pk}")
        raise Http404
    do_record_event(user=user, action=AuditAction.VIEW, record_type=RecordType.INTEL_ITEM, record_id=f"import:{batch.pk}")
    return render(request, "intel/import_detail.html", {
        "batch": batch, "can_link": can(user, RecordType.NETWORK, Action.UPDATE),
    })


# --- Entities ------------------------------------------------------------------------------------


@require_GET
@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.ENTITY)
    search = ListSearchForm(request.GET)
    if not search.is_valid():
        return render(request, "errors/400.html", status=400)
    q = search.cleaned_data["q"]
    entities = Entity.objects.visible_to(user, Action.LIST)
    if q:
        from samverkan.intel import entities as entity_adapter

        values = {q, *entity_adapter.search_values(q)}
        entities = entities.filter(Q(value__in=values) | Q(value__icontains=q))
    entities = entities.annotate(n_items=Count("item_links")).select_related("glue")
    page = audited_page(
        request,
        entities.order_by("-n_items", "kind", "value"),
        user=user,
        record=RecordType.ENTITY,
        detail=f"q={q}" if q else "",
        size=PAGE_SIZE,
    )
    return render(request, "intel/entity_list.html", {"page": page, "q": q})


@require_GET
@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    entity = access_entity(user, pk)
    links = (
        ItemEntity.objects.filter(entity=entity, item__in=IntelItem.objects.visible_to(user))
        .select_related("item__membership__network")
        .order_by("-item__observed_at")[:500]
    )
    return render(request, "intel/entity_detail.html", {
        "entity": entity, "links": links, "glue": getattr(entity, "glue", None),
    })


def forbidden_unless(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
