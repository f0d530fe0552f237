"""Pages for disclosures: the inbox (asked of my agency), the outbox (asked by it), the
request and oral-disclosure forms, and one disclosure's page.

A disclosure is seen by the two agencies involved only (``access``: 404 for
everyone else, audited); only the owner decides and only the requester
accepts or withdraws (403 for the other side); every write goes through
``actions``. Managers see counts (``counts``) and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import audited_page, require, signed_in
from samverkan.accounts.forms import apply_errors
from samverkan.accounts.models import Agency, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event, do_record_views
from samverkan.audit.models import AuditAction
from samverkan.operations.models import Encounter, Shift
from samverkan.sharing import actions
from samverkan.sharing.access import access_disclosure_for_user, require_case_role
from samverkan.sharing.forms import (
    DATETIME_INPUT,
    ApproveForm,
    DecisionForm,
    OralForm,
    RefuseForm,
    RequestForm,
    StartForm,
)
from samverkan.sharing.gate import (
    Disclosable,
    Summary,
    entry,
    record_types_owned_by,
    record_types_requestable_by,
    record_url,
)
from samverkan.sharing.models import Disclosure, DisclosureStatus, RefusalKind
from samverkan.sharing.resolve import Subject, candidates, owner_record, resolve, summary

PAGE_SIZE = 25
# Names the actions use for errors, and the form fields that show them.
RENAME = {"fields": "field_names"}



def _agency(user: User) -> Agency:
    agency = user.agency
    if agency is None:
        raise PermissionDenied
    return agency



def _subject(d: Disclosure) -> Subject:
    return Subject(d.record_type, d.encounter_id, d.case_number)


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@dataclass
class Row:
    disclosure: Disclosure
    registered: Disclosable[Any]
    matches: list[Summary] = field(default_factory=list)

    @property
    def requested_labels(self) -> list[str]:
        return self.registered.labels(self.disclosure.fields_requested)

    @property
    def granted_labels(self) -> list[str]:
        return self.registered.labels(self.disclosure.fields_granted)


def _row(d: Disclosure, matches: list[Summary] | None = None) -> Row:
    registered = entry(d.record_type)
    assert registered is not None  # record_type is one of the registry's choices
    return Row(d, registered, matches or [])


def _rows(disclosures: Any) -> list[Row]:
    return [_row(d) for d in disclosures]


_RELATED = ("requesting_agency", "owning_agency", "legal_basis", "encounter__venue", "offence")


# --- Counts for managers -----------------------------------------------------------------


def _by_status(disclosures: Any) -> dict[str, int]:
    rows = (
        disclosures.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return dict(rows)


def _counts(agency: Agency) -> list[dict[str, Any]]:
    received = _by_status(Disclosure.objects.filter(owning_agency=agency))
    sent = _by_status(Disclosure.objects.filter(requesting_agency=agency))
    return [
        {"label": label, "received": received.get(status, 0), "sent": sent.get(status, 0)}
        for status, label in DisclosureStatus.choices
    ]


@require_GET
@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """Managers: how many disclosures their agency asked for and answered; never one of them."""
    user = signed_in(request)
    if user_scope(user, RecordType.DISCLOSURE, Action.AGGREGATE) is not Scope.AGGREGATE:
        do_record_event(
            user=user, action=AuditAction.DENIED, record_type=RecordType.DISCLOSURE, detail="counts"
        )
        raise Http404
    agency = _agency(user)
    oral = {
        "made": Disclosure.objects.filter(owning_agency=agency, made_orally=True).count(),
        "received": Disclosure.objects.filter(requesting_agency=agency, made_orally=True).count(),
    }
    context = {"rows": _counts(agency), "oral": oral, "agency": agency}
    return render(request, "sharing/counts.html", context)


# --- Inbox and outbox --------------------------------------------------------------------


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Requests to my agency (and what it disclosed orally); the open ones resolved for me."""
    user = signed_in(request)
    require_case_role(user, "inbox")
    agency = _agency(user)
    base = Disclosure.objects.visible_to(user).received_by(agency).select_related(*_RELATED)
    waiting = list(base.filter(status=DisclosureStatus.REQUESTED).order_by("requested_at", "pk"))
    found = resolve(user, agency, [_subject(d) for d in waiting])
    waiting_rows = [
        _row(d, [summary(d.record_type, r) for r in found[_subject(d)]]) for d in waiting
    ]
    matched = ",".join(
        f"{row.disclosure.record_type}:{m.pk}" for row in waiting_rows for m in row.matches
    )
    page = audited_page(
        request,
        base.exclude(status=DisclosureStatus.REQUESTED),
        user=user,
        record=RecordType.DISCLOSURE,
        detail=f"inbox; waiting={len(waiting)}; matched={matched}",
        size=PAGE_SIZE,
    )
    context = {"waiting": waiting_rows, "page": page, "rows": _rows(page.object_list)}
    return render(request, "sharing/inbox.html", context)


@require_GET
@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """My agency's requests, and what was disclosed to it; approved ones previewed first."""
    user = signed_in(request)
    require_case_role(user, "outbox")
    agency = _agency(user)
    base = Disclosure.objects.visible_to(user).sent_by(agency).select_related(*_RELATED)
    to_accept = _rows(base.filter(status=DisclosureStatus.APPROVED).order_by("decided_at", "pk"))
    page = audited_page(
        request,
        base.exclude(status=DisclosureStatus.APPROVED),
        user=user,
        record=RecordType.DISCLOSURE,
        detail=f"outbox; to accept={len(to_accept)}",
        size=PAGE_SIZE,
    )
    context = {"to_accept": to_accept, "page": page, "rows": _rows(page.object_list)}
    return render(request, "sharing/outbox.html", context)


# --- One disclosure -----------------------------------------------------------------------


def _owner_context(user: User, d: Disclosure, bound: Mapping[str, Any]) -> dict[str, Any]:
    """What the owner sees: the records the request names, and the decision forms."""
    registered = _row(d).registered
    context: dict[str, Any] = {}
    if d.can_be_decided:
        records = candidates(user, d.owning_agency, _subject(d))
    elif d.record_id is not None:
        record = owner_record(user, d.record_type, d.owning_agency, d.record_id)
        records = [record] if record is not None else []
    else:
        records = []
    summaries = [summary(d.record_type, r) for r in records]
    do_record_views(
        user=user, record_type=d.record_type, record_ids=[s.pk for s in summaries], detail=f"named by disclosure {d.pk}"
    )
    context["matches"] = summaries
    context["record_link"] = (
        record_url(d.record_type, records[0], records[0].pk)
        if records and not d.can_be_decided
        else None
    )
    if d.can_be_decided:
        context["approve_form"] = bound.get("approve_form") or ApproveForm(
            prefix="approve",
            registered=registered,
            requested=list(d.fields_requested),
            records=[(s.pk, s.label) for s in summaries],
            named=d.recipients.all(),
            requester=d.requested_by,
            initial={"offence": d.offence_id},
        )
        context["refuse_form"] = bound.get("refuse_form") or RefuseForm(
            prefix="refuse",
            initial={"refusal_kind": RefusalKind.NO_RECORD if not summaries else None},
        )
    return context


def _detail_context(user: User, d: Disclosure, bound: Mapping[str, Any]) -> dict[str, Any]:
    row = _row(d)
    is_owner = d.owning_agency_id == _agency(user).pk
    context: dict[str, Any] = {
        "d": d,
        "row": row,
        "is_owner": is_owner,
        "is_requester": not is_owner,
        "matches": [],
        "record_link": None,
        "readers": list(d.recipients.order_by("first_name", "last_name", "username")),
    }
    if is_owner:
        context |= _owner_context(user, d, bound)
    elif d.status == DisclosureStatus.ACCEPTED:
        context["record_link"] = record_url(d.record_type, None, d.record_id)
    return context


def _render_detail(
    request: HttpRequest, user: User, d: Disclosure, *, status: int = 200, **bound: Any
) -> HttpResponse:
    return render(request, "sharing/detail.html", _detail_context(user, d, bound), status=status)


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require_case_role(user, "detail")
    disclosure = access_disclosure_for_user(user, pk)
    return _render_detail(request, user, disclosure)


def _for_write(request: HttpRequest, pk: int, what: str) -> tuple[User, Disclosure]:
    user = signed_in(request)
    require_case_role(user, what)
    disclosure = access_disclosure_for_user(user, pk, action=Action.UPDATE)
    require(user, RecordType.DISCLOSURE, Action.UPDATE)
    return user, disclosure


def _written(
    request: HttpRequest,
    form: forms.BaseForm,
    done: str,
    action: Callable[..., Disclosure],
    *args: Any,
    **kwargs: Any,
) -> HttpResponse | None:
    """Run one action for a valid form: done, say ``done`` and show the disclosure.

    An action that refuses puts its errors on the form and gives None: the caller shows
    the form again.
    """
    try:
        disclosure = action(*args, **kwargs)
    except ValidationError as exc:
        apply_errors(form, exc, RENAME)
        return None
    messages.success(request, done)
    return redirect("sharing:detail", pk=disclosure.pk)


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user, d = _for_write(request, pk, "decide")
    if d.owning_agency_id != _agency(user).pk:
        raise PermissionDenied  # the requester cannot decide its own request
    if not d.can_be_decided:
        messages.error(request, _("This request has already been answered."))
        return redirect("sharing:detail", pk=d.pk)
    chosen = DecisionForm(request.POST)
    decision = chosen.cleaned_data["decision"] if chosen.is_valid() else ""
    if decision == "approve":
        registered = _row(d).registered
        records = candidates(user, d.owning_agency, _subject(d))
        form: forms.Form = ApproveForm(
            request.POST,
            prefix="approve",
            registered=registered,
            requested=list(d.fields_requested),
            records=_record_choices(registered, records),
            named=d.recipients.all(),
            requester=d.requested_by,
        )
        if form.is_valid():
            data = form.cleaned_data
            approved = _written(
                request,
                form,
                _("The disclosure was approved. The requester sees it once they accept it."),
                actions.do_decide_disclosure,
                d,
                approve=True,
                record_id=data["record"],
                legal_basis=data["legal_basis"],
                fields=data["field_names"],
                assessment=data["assessment"],
                offence=data.get("offence"),
                recipients=data["recipients"],
                reach=data["reach"],
                valid_until=data["valid_until"],
                acting_user=user,
            )
            if approved is not None:
                return approved
        return _render_detail(request, user, d, status=400, approve_form=form)
    if decision == "refuse":
        form = RefuseForm(request.POST, prefix="refuse")
        if form.is_valid():
            refused = _written(
                request,
                form,
                _("The request was refused."),
                actions.do_decide_disclosure,
                d,
                approve=False,
                refusal_kind=form.cleaned_data["refusal_kind"],
                reason=form.cleaned_data["reason"],
                acting_user=user,
            )
            if refused is not None:
                return refused
        return _render_detail(request, user, d, status=400, refuse_form=form)
    messages.error(request, _("Choose to approve or to refuse."))
    return _render_detail(request, user, d, status=400)


@require_POST
@login_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    user, d = _for_write(request, pk, "accept")
    if d.requesting_agency_id != _agency(user).pk:
        raise PermissionDenied  # the owner cannot accept on the requester's behalf
    try:
        actions.do_accept_disclosure(d, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Accepted. The disclosed fields are now shown to your agency."))
    return redirect("sharing:detail", pk=d.pk)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user, d = _for_write(request, pk, "withdraw")
    if d.requesting_agency_id != _agency(user).pk:
        raise PermissionDenied
    try:
        actions.do_withdraw_disclosure(d, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("sharing:detail", pk=d.pk)


# --- Request and oral-disclosure forms ----------------------------------------------------


def _shift_from(user: User, data: QueryDict) -> tuple[Shift | None, Encounter | None]:
    """The shift (and encounter) named in the query or form, if the user may see it."""
    encounter_id = _int(data.get("encounter"))
    if encounter_id is not None:
        encounter = (
            Encounter.objects.visible_to(user)
            .select_related("shift__area")
            .filter(pk=encounter_id)
            .first()
        )
        if encounter is not None:
            return encounter.shift, encounter
    shift_id = _int(data.get("shift"))
    if shift_id is not None:
        return Shift.objects.visible_to(user).filter(pk=shift_id).first(), None
    return None, None


def _chosen_type(data: QueryDict, allowed: list[str]) -> Disclosable[Any] | None:
    value = data.get("record_type", "")
    return entry(value) if value in allowed else None


def _start_page(
    request: HttpRequest,
    user: User,
    *,
    mode: str,
    record_types: list[str],
    shift: Shift | None = None,
    encounter: Encounter | None = None,
    status: int = 200,
) -> HttpResponse:
    """The first step (GET): which kind of record, and on which shift the person was met."""
    bound = request.method == "GET" and "record_type" in request.GET
    form = StartForm(
        request.GET if bound else None,
        user=user,
        record_types=record_types,
        initial={"shift": shift.pk if shift else None},
    )
    if bound:
        status = 400
        if form.is_valid():
            form.add_error("shift", _("Choose the shift where the person was met."))
    context = {"form": form, "mode": mode, "encounter": encounter}
    return render(request, "sharing/start.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def request_disclosure(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_case_role(user, "request form")
    require(user, RecordType.DISCLOSURE, Action.CREATE)
    record_types = record_types_requestable_by(_agency(user).kind)
    data = request.POST if request.method == "POST" else request.GET
    registered = _chosen_type(data, record_types)
    shift, encounter = _shift_from(user, data)
    if request.method == "GET":
        if registered is None or (shift is None and not registered.by_case_number):
            return _start_page(
                request,
                user,
                mode="request",
                record_types=record_types,
                shift=shift,
                encounter=encounter,
            )
        form = RequestForm(
            user=user,
            registered=registered,
            shift=shift,
            initial={"encounter": encounter.pk if encounter else None},
        )
        return render(
            request,
            "sharing/request_form.html",
            {"form": form, "registered": registered, "shift": shift},
        )
    if registered is None:
        messages.error(request, _("Choose a kind of record from the list."))
        return _start_page(request, user, mode="request", record_types=record_types, status=400)
    form = RequestForm(request.POST, user=user, registered=registered, shift=shift)
    if form.is_valid():
        data_ = form.cleaned_data
        sent = _written(
            request,
            form,
            _("Your request was sent. The other agency examines it and answers here."),
            actions.do_request_disclosure,
            owning_agency=data_["owning_agency"],
            record_type=registered.record_type,
            fields=data_["field_names"],
            purpose=data_["purpose"],
            encounter=data_.get("encounter"),
            case_number=data_.get("case_number", ""),
            offence=data_.get("offence"),
            colleagues_named=data_["colleagues"],
            acting_user=user,
        )
        if sent is not None:
            return sent
    context = {"form": form, "registered": registered, "shift": shift}
    return render(request, "sharing/request_form.html", context, status=400)


def _record_choices(registered: Disclosable[Any], records: list[Any]) -> list[tuple[int, str]]:
    return [(s.pk, s.label) for s in (summary(registered.record_type, r) for r in records)]


def _oral_record(
    user: User, agency: Agency, registered: Disclosable[Any], form: OralForm
) -> tuple[int | None, list[Any]]:
    """The record the oral disclosure was about, or why it is not clear (errors on the form)."""
    data = form.cleaned_data
    chosen: int | None = data.get("record")
    encounter = data.get("encounter")
    number = data.get("case_number", "")
    if encounter is None and not number:
        record = owner_record(user, registered.record_type, agency, chosen)
        if record is None:
            form.add_error(None, _("Choose one of your agency's records."))
            return None, []
        return record.pk, [record]
    subject = Subject(registered.record_type, encounter.pk if encounter else None, number)
    matches = candidates(user, agency, subject)
    ids = [r.pk for r in matches]
    if not matches:
        form.add_error(None, _("None of your agency's records matches."))
    elif chosen in ids:
        return chosen, matches
    elif len(matches) == 1 and chosen is None:
        return matches[0].pk, matches
    else:
        form.add_error("record", _("Several records match: choose one."))
    return None, matches


@require_http_methods(["GET", "POST"])
@login_required
def oral(request: HttpRequest) -> HttpResponse:
    """Record afterwards a disclosure made orally in the field by the user's agency."""
    user = signed_in(request)
    require_case_role(user, "oral form")
    require(user, RecordType.DISCLOSURE, Action.CREATE)
    agency = _agency(user)
    record_types = record_types_owned_by(agency.kind)
    data = request.POST if request.method == "POST" else request.GET
    registered = _chosen_type(data, record_types)
    shift, encounter = _shift_from(user, data)
    direct = (
        owner_record(user, registered.record_type, agency, data.get("record"))
        if registered is not None and data.get("record")
        else None
    )
    if request.method == "GET":
        if registered is None or (
            shift is None and direct is None and not registered.by_case_number
        ):
            return _start_page(
                request,
                user,
                mode="oral",
                record_types=record_types,
                shift=shift,
                encounter=encounter,
            )
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = OralForm(
            user=user,
            registered=registered,
            shift=shift,
            records=_record_choices(registered, [direct]) if direct else None,
            initial={
                "encounter": encounter.pk if encounter else None,
                "record": direct.pk if direct else None,
                "occurred_at": now.strftime(DATETIME_INPUT),
            },
        )
        return render(
            request,
            "sharing/oral_form.html",
            {"form": form, "registered": registered, "shift": shift},
        )
    if registered is None:
        messages.error(request, _("Choose a kind of record from the list."))
        return _start_page(request, user, mode="oral", record_types=record_types, status=400)
    form = OralForm(
        request.POST,
        user=user,
        registered=registered,
        shift=shift,
        records=_record_choices(registered, [direct]) if direct else None,
    )
    if form.is_valid():
        record_id, matches = _oral_record(user, agency, registered, form)
        if record_id is None and len(matches) > 1:
            form.fields["record"].widget = forms.RadioSelect(
                choices=_record_choices(registered, matches)
            )
        if record_id is not None:
            cd = form.cleaned_data
            recorded = _written(
                request,
                form,
                _("The oral disclosure was recorded."),
                actions.do_record_oral_disclosure,
                requesting_agency=cd["requesting_agency"],
                record_type=registered.record_type,
                record_id=record_id,
                fields=cd["field_names"],
                legal_basis=cd["legal_basis"],
                assessment=cd["assessment"],
                purpose=cd["purpose"],
                occurred_at=cd["occurred_at"],
                encounter=cd.get("encounter"),
                offence=cd.get("offence"),
                recipient_name=cd["recipient_name"],
                recipients=cd["recipients"],
                valid_until=cd["valid_until"],
                acting_user=user,
            )
            if recorded is not None:
                return recorded
    context = {"form": form, "registered": registered, "shift": shift}
    return render(request, "sharing/oral_form.html", context, status=400)
