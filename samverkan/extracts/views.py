"""Register extract pages: the agency's extracts, a new request, the review, the delivery.

Every extract is fetched through ``visible_to`` and ``access_or_404`` (404 for
the other agency's and for missing ones alike, reads audited), and every write
goes through ``extracts.actions``.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import access_or_404, require, require_list, signed_in
from samverkan.accounts.forms import apply_errors
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.extracts import actions
from samverkan.extracts import render as delivery
from samverkan.extracts.forms import ApproveForm, ExtractRequestForm, PartForm, WithholdForm
from samverkan.extracts.models import Extract, ExtractPart, Section

RT = RecordType.REGISTER_EXTRACT
PAGE_SIZE = 25
FORMATS = {"pdf": "application/pdf", "json": "application/json"}


class PageForm(django_forms.Form):
    page = django_forms.IntegerField(required=False, min_value=1)


@require_http_methods(["GET", "POST"])
@login_required
def extract_list(request: HttpRequest) -> HttpResponse:
    """The agency's extracts, and the form for a new request (POST gathers a draft)."""
    user = signed_in(request)
    require_list(user, RT)
    form = ExtractRequestForm(request.POST if request.method == "POST" else None, prefix="request")
    status = 200
    if request.method == "POST":
        require(user, RT, Action.CREATE)
        if form.is_valid():
            ident = form.cleaned_data["clean_identifier"]
            try:
                extract = actions.do_create_extract(
                    subject_kind=ident.kind,
                    subject_identifier=ident.value,
                    subject_issuer=ident.issuer,
                    received_on=form.cleaned_data["received_on"],
                    acting_user=user,
                )
            except ValidationError as exc:
                apply_errors(form, exc, {"value": "identifier"})
            else:
                messages.success(request, _("The draft extract was gathered. Review every part."))
                return redirect("extracts:detail", extract.pk)
        status = 400
    paging = PageForm(request.GET)
    number = paging.cleaned_data.get("page") if paging.is_valid() else None
    page = Paginator(Extract.objects.visible_to(user).select_related("created_by"), PAGE_SIZE).get_page(number)
    # The list shows identity numbers: reading it is logged like any list of records.
    do_record_event(user=user, action=AuditAction.LIST, record_type=RT, detail=f"page={page.number}")
    return render(request, "extracts/list.html", {"form": form, "page": page}, status=status)


def _get(user: User, pk: int, action: Action = Action.VIEW) -> Extract:
    qs = Extract.objects.visible_to(user, action).select_related("agency", "created_by", "approved_by")
    return access_or_404(qs, user, RT, pk, action=action)


def _render_detail(request: HttpRequest, user: User, extract: Extract, *, status: int = 200, **extra: Any) -> HttpResponse:
    parts = list(extract.parts.select_related("withheld_by").order_by("position"))
    labels = dict(Section.choices)
    sections = [(labels.get(key, key), list(group)) for key, group in groupby(parts, key=lambda p: p.section)]
    bad = extra.pop("bad_part", None)
    withhold_forms = {
        p.pk: bad if bad is not None and bad.data.get("withhold-part") == str(p.pk)
        else WithholdForm(
            prefix="withhold", initial={"part": p.pk}, agency_kind=extract.agency.kind,
            auto_id=f"id_part{p.pk}_%s",
        )
        for p in parts if not p.withheld
    }
    context = {
        "extract": extract,
        "sections": sections,
        "parts_count": len(parts),
        "withheld_count": sum(1 for p in parts if p.withheld),
        "withhold_forms": withhold_forms,
        "approve_form": extra.pop("approve_form", None) or ApproveForm(prefix="approve"),
        "formats": FORMATS,
    }
    return render(request, "extracts/detail.html", {**context, **extra}, status=status)


@require_GET
@login_required
def extract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    return _render_detail(request, user, _get(user, pk))


def _part(extract: Extract, form: django_forms.Form) -> ExtractPart:
    try:
        return extract.parts.get(pk=form.cleaned_data["part"])
    except ExtractPart.DoesNotExist:
        raise Http404 from None


@require_POST
@login_required
def part_withhold(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RT, Action.UPDATE)
    extract = _get(user, pk, Action.UPDATE)
    form = WithholdForm(request.POST, prefix="withhold", agency_kind=extract.agency.kind)
    if form.is_valid():
        part = _part(extract, form)
        try:
            actions.do_withhold_part(
                part, provision=form.cleaned_data["provision"], reason=form.cleaned_data["reason"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The part is withheld."))
            return redirect(reverse("extracts:detail", args=[extract.pk]) + f"#part-{part.pk}")
    return _render_detail(request, user, extract, status=400, bad_part=form, error_form=form)


@require_POST
@login_required
def part_release(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RT, Action.UPDATE)
    extract = _get(user, pk, Action.UPDATE)
    form = PartForm(request.POST, prefix="release")
    if form.is_valid():
        part = _part(extract, form)
        try:
            actions.do_release_part(part, acting_user=user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The part is back in the extract."))
            return redirect(reverse("extracts:detail", args=[extract.pk]) + f"#part-{part.pk}")
    return _render_detail(request, user, extract, status=400, error_form=form)


@require_POST
@login_required
def extract_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RT, Action.UPDATE)
    extract = _get(user, pk, Action.UPDATE)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            actions.do_approve_extract(extract, acting_user=user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The extract is approved. Download it for delivery."))
            return redirect("extracts:detail", extract.pk)
    return _render_detail(request, user, extract, status=400, approve_form=form)


@require_GET
@login_required
def extract_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    user = signed_in(request)
    if fmt not in FORMATS:
        raise Http404
    # A download is a read: whoever may not make it gets the not-found page, audited as denied.
    extract = _get(user, pk, Action.EXPORT)
    if extract.is_draft:
        return _render_detail(request, user, extract, status=400, download_refused=True)
    actions.do_deliver_extract(extract, fmt=fmt, acting_user=user)
    body = delivery.render_pdf(extract) if fmt == "pdf" else delivery.render_json(extract)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="registerutdrag-{extract.pk}.{fmt}"'
    return response
