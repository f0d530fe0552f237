"""Social services' pages: clients, their support, and the child-concern inbox.

Every record is fetched through ``support.access`` (404 for hidden and
missing, reads audited) and every write goes through ``support.actions``.
A role that may read but not write gets 403 on a write (``require``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import access_or_404, require, require_list, signed_in
from samverkan.accounts.forms import PICKER_LIMIT, PickerSearchForm, apply_errors, picker_results
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.lib import identity
from samverkan.operations.models import ChildConcernReport, Encounter, EncounterRole, Shift
from samverkan.sharing import gate, purposes
from samverkan.sharing.concerns import disclosed_identities
from samverkan.support import actions, disclosure
from samverkan.support.access import (
    access_client_for_user,
    access_concern_for_user,
    access_consent_for_user,
    access_referral_for_user,
)
from samverkan.support.forms import (
    AgeAssessmentForm,
    ClientCreateForm,
    ClientEditForm,
    ClientSearchForm,
    CloseConcernForm,
    ConcernClientForm,
    ConsentForm,
    DecisionForm,
    EncounterLinkForm,
    FinishInvestigationForm,
    IdentifierForm,
    LinkToClientForm,
    ProtectionForm,
    ReferralForm,
    ReferralStatusForm,
    ShiftPickForm,
    SupportActionForm,
    UnidentifiedForm,
    WorkListPageForm,
)
from samverkan.support.identifiers import reason_message
from samverkan.support.models import (
    AgeAssessment,
    Client,
    ClientEncounter,
    ClientIdentifier,
    ConcernClientLink,
    ConcernDecision,
    ConcernHandling,
    Consent,
    Referral,
    SupportAction,
    UnidentifiedEncounter,
    concern_reports_handled_by,
    open_concern_reports,
)

PAGE_SIZE = 50
# A deadline this close is flagged before it passes.
DEADLINE_WARNING = dt.timedelta(days=2)
# Something typed as a number: digits with at most a separator or spaces.
NUMBER_LIKE = re.compile(r"^[\d\s+-]{10,15}$")



def _can_write(user: User, record: RecordType) -> bool:
    """Whether the user writes these records themselves (never through a disclosure)."""
    return user_scope(user, record, Action.UPDATE) is Scope.OWN_AGENCY



# --- Client list and search ------------------------------------------------------------


@dataclass(frozen=True)
class ClientRow:
    client: Client

    @property
    def pk(self) -> int:
        return self.client.pk

    @property
    def identifiers(self) -> list[ClientIdentifier]:
        # Protected personal data: numbers are shown on the client's own page only.
        if self.client.protected_identity:
            return []
        return list(self.client.identifiers.all())


def _number_hint(text: str) -> str:
    """Why a query typed as a number finds no number, if it is not a valid one."""
    if not NUMBER_LIKE.match(text.strip()):
        return ""
    try:
        identity.parse_identity_number(text, today=timezone.localdate())
    except identity.InvalidIdentifier as exc:
        return _("Not a valid identity number: %(reason)s") % {"reason": reason_message(exc.reason)}
    return ""


@require_http_methods(["GET", "POST"])
@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    """The client list; a search is POSTed so that an identity number never lands in a URL
    (proxy logs, browser history), and pages through a search are not offered."""
    user = signed_in(request)
    scope = require_list(user, RecordType.CLIENT)
    form = ClientSearchForm(request.POST if request.method == "POST" else {})
    if not form.is_valid():
        return render(request, "support/client_list.html", {"form": form, "page": None}, status=400)
    query = form.cleaned_data["q"].strip()
    granted = gate.grants(user, RecordType.CLIENT) if scope is Scope.DISCLOSED else None
    clients = (
        Client.objects.visible_to(user)
        .search(query, today=timezone.localdate(), granted=granted)
        .prefetch_related("identifiers")
    )
    paginator = Paginator(clients, PAGE_SIZE)
    with transaction.atomic():
        page = paginator.get_page(1 if request.method == "POST" else request.GET.get("page"))
        if granted is None:
            rows: list[Any] = [ClientRow(c) for c in page.object_list]
        else:
            # The other agency's clients reach this page only as projections of the granted fields.
            rows = [gate.project(disclosure.CLIENT, c, granted[c.pk]) for c in page.object_list]
        ids = ",".join(str(row.pk) for row in rows)
        listed = f"page={page.number}; search={'yes' if query else 'no'}"
        if granted is None:
            do_record_event(
                user=user,
                action=AuditAction.LIST,
                record_type=RecordType.CLIENT,
                detail=f"{listed}; ids={ids}",
            )
        else:
            # One event per owning agency, so that its auditors see the list too.
            gate.audit_reads(
                user,
                RecordType.CLIENT,
                gate.owners_of(RecordType.CLIENT, [row.pk for row in rows]),
                action=AuditAction.LIST,
                detail=listed,
            )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "disclosed": granted is not None,
        "query": query,
        "hint": _number_hint(query) if query else "",
        "can_create": _can_write(user, RecordType.CLIENT),
    }
    return render(request, "support/client_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.CREATE)
    if request.method == "GET":
        return render(request, "support/client_form.html", {"form": ClientCreateForm()})
    form = ClientCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ident = data["clean_identifier"]
        try:
            client, created = actions.do_create_client(
                pseudonym=data["pseudonym"],
                identifier_kind=ident.kind,
                identifier_value=ident.value,
                identifier_issuer=ident.issuer,
                stated_age=data["stated_age"],
                language=data["language"],
                contact=data["contact"],
                protected_identity=data["protected_identity"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"value": "identifier", "kind": "identifier_kind"})
        else:
            if created:
                messages.success(request, _("The client was created."))
            else:
                messages.info(
                    request,
                    _("A client with this identity number already exists. Here is their page."),
                )
            return redirect("support:client_detail", pk=client.pk)
    return render(request, "support/client_form.html", {"form": form}, status=400)


# --- Client detail ---------------------------------------------------------------------


def _agency_id(user: User) -> int | None:
    membership = user.membership
    return membership.agency_id if membership else None


def _detail_context(user: User, client: Client, bound: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the client page shows, each part through its own ``visible_to``.

    ``bound`` holds forms posted with errors, shown instead of the empty ones.
    """
    today = timezone.localdate()
    identifiers = list(
        ClientIdentifier.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("added_by")
    )
    ages = list(
        AgeAssessment.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("assessed_by")
    )
    links = list(
        ClientEncounter.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("encounter__venue", "encounter__shift__area")
    )
    support_actions = list(
        SupportAction.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("performed_by", "encounter")
    )
    referrals = list(
        Referral.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("unit", "referred_by")
    )
    consents = list(
        Consent.objects.visible_to(user, Action.VIEW)
        .filter(client=client)
        .select_related("recorded_by")
    )
    can_write = _can_write(user, RecordType.CLIENT) and client.agency_id == _agency_id(user)
    status_forms: Mapping[int, forms.Form] = bound.get("referral_status_forms", {})
    referral_rows = [
        (
            referral,
            status_forms.get(referral.pk) or ReferralStatusForm(prefix=f"referral-{referral.pk}")
            if can_write and referral.next_statuses()
            else None,
        )
        for referral in referrals
    ]
    context: dict[str, Any] = {
        "client": client,
        "name": client.pseudonym,
        "identifiers": identifiers,
        "ages": ages,
        "current_age": client.age_on(today),
        "links": links,
        "support_actions": support_actions,
        "referral_rows": referral_rows,
        "consents": consents,
        "concerns": [],
        "can_write": can_write,
        "duplicate_of": bound.get("duplicate_of"),
    }
    if can_write:
        context["concerns"] = ConcernHandling.of_each(
            concern_reports_handled_by(user, Action.LIST).filter(client_link__client=client)
        )
        empty = {
            "identifier_form": IdentifierForm(prefix="identifier"),
            "age_form": AgeAssessmentForm(prefix="age"),
            "support_form": SupportActionForm(prefix="support", client=client),
            "referral_form": ReferralForm(prefix="referral", client=client),
            "consent_form": ConsentForm(prefix="consent"),
        }
        context |= {key: bound.get(key) or form for key, form in empty.items()}
    return context


def _render_disclosed(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The police's view of a client: projections of what was disclosed, never the records,
    and only once the reader has said why (``purposes``)."""
    read = purposes.disclosed_read(request, RecordType.CLIENT, pk)
    if isinstance(read, HttpResponse):
        return read
    projection = read.projection
    where = {"client_id": projection.pk}
    related = [
        {
            "heading": _("Support"),
            "projections": gate.read_many(
                user, RecordType.SUPPORT_ACTION, where=where, purpose=read.purpose
            ),
            "empty": _("Nothing about support has been disclosed to your agency."),
        },
        {
            "heading": _("Referrals"),
            "projections": gate.read_many(
                user, RecordType.REFERRAL, where=where, purpose=read.purpose
            ),
            "empty": _("Nothing about referrals has been disclosed to your agency."),
        },
    ]
    context = {
        "projection": projection,
        "heading": _("About the client"),
        "related": related,
        "back_url": reverse("support:client_list"),
        "back_label": _("Clients"),
    }
    return render(request, "sharing/disclosed_record.html", context)


def _render_detail(
    request: HttpRequest, user: User, pk: int, *, status: int = 200, **bound: Any
) -> HttpResponse:
    if gate.is_disclosed_read(user, RecordType.CLIENT):
        return _render_disclosed(request, user, pk)
    # Protected personal data: nothing of the client is shown before the reader says why.
    purpose = ""
    if Client.objects.visible_to(user, Action.VIEW).filter(pk=pk, protected_identity=True).exists():
        purpose = purposes.remembered(request, RecordType.CLIENT, pk)
        if not purpose:
            return purposes.prompt(request, RecordType.CLIENT, pk)
    client = access_client_for_user(user, pk, purpose=purpose)
    return render(
        request, "support/client_detail.html", _detail_context(user, client, bound), status=status
    )


@require_GET
@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, signed_in(request), pk)


ClientWrite = Callable[[Client, dict[str, Any], User], Any]


def _client_write(
    request: HttpRequest,
    pk: int,
    *,
    record: RecordType,
    action: Action,
    make_form: Callable[[Client], forms.Form],
    form_key: str,
    write: ClientWrite,
    done: str,
    anchor: str,
    rename: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A form posted from the client page: check, write through the action, or show why not."""
    user = signed_in(request)
    require(user, record, action)
    client = access_client_for_user(user, pk, action=Action.UPDATE)
    form = make_form(client)
    extra: dict[str, Any] = {}
    if form.is_valid():
        try:
            write(client, form.cleaned_data, user)
        except actions.DuplicateIdentifier as exc:
            apply_errors(form, exc, rename)
            extra["duplicate_of"] = exc.client
        except ValidationError as exc:
            apply_errors(form, exc, rename)
        else:
            messages.success(request, done)
            return redirect(reverse("support:client_detail", args=[client.pk]) + f"#{anchor}")
    return _render_detail(request, user, client.pk, status=400, **{form_key: form}, **extra)


@require_POST
@login_required
def client_add_identifier(request: HttpRequest, pk: int) -> HttpResponse:
    def write(client: Client, data: dict[str, Any], user: User) -> Any:
        ident = data["clean_identifier"]
        return actions.do_add_identifier(
            client, kind=ident.kind, value=ident.value, issuer=ident.issuer, acting_user=user
        )

    return _client_write(
        request,
        pk,
        record=RecordType.CLIENT,
        action=Action.UPDATE,
        make_form=lambda client: IdentifierForm(request.POST, prefix="identifier"),
        form_key="identifier_form",
        write=write,
        done=_("The identity number was added."),
        anchor="identifiers",
        rename={"value": "identifier", "kind": "identifier_kind"},
    )


@dataclass(frozen=True)
class ClientEntry:
    """A form on the client page whose fields are exactly its action's arguments."""

    form: Callable[..., forms.Form]
    prefix: str
    action: Callable[..., Any]
    record: RecordType
    permission: Action
    done: str | Promise
    anchor: str
    needs_client: bool = False


def _client_entry_view(entry: ClientEntry) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        def make_form(client: Client) -> forms.Form:
            extra = {"client": client} if entry.needs_client else {}
            return entry.form(request.POST, prefix=entry.prefix, **extra)

        return _client_write(
            request,
            pk,
            record=entry.record,
            action=entry.permission,
            make_form=make_form,
            form_key=f"{entry.prefix}_form",
            write=lambda client, data, user: entry.action(client, acting_user=user, **data),
            done=str(entry.done),
            anchor=entry.anchor,
        )

    return view


client_add_age = _client_entry_view(
    ClientEntry(
        AgeAssessmentForm, "age", actions.do_record_age_assessment, RecordType.CLIENT,
        Action.UPDATE, gettext_lazy("The age was recorded."), "ages",
    )
)
client_add_support_action = _client_entry_view(
    ClientEntry(
        SupportActionForm, "support", actions.do_record_support_action, RecordType.SUPPORT_ACTION,
        Action.CREATE, gettext_lazy("The support was recorded."), "support", needs_client=True,
    )
)
client_add_referral = _client_entry_view(
    ClientEntry(
        ReferralForm, "referral", actions.do_refer, RecordType.REFERRAL,
        Action.CREATE, gettext_lazy("The referral was recorded."), "referrals", needs_client=True,
    )
)
client_add_consent = _client_entry_view(
    ClientEntry(
        ConsentForm, "consent", actions.do_record_consent, RecordType.CLIENT,
        Action.UPDATE, gettext_lazy("The consent was recorded."), "consents", needs_client=True,
    )
)


@require_POST
@login_required
def referral_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.REFERRAL, Action.UPDATE)
    referral = access_referral_for_user(user, pk)
    form = ReferralStatusForm(request.POST, prefix=f"referral-{referral.pk}")
    if form.is_valid():
        try:
            actions.do_update_referral(
                referral,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The referral was updated."))
            return redirect(
                reverse("support:client_detail", args=[referral.client_id]) + "#referrals"
            )
    return _render_detail(
        request, user, referral.client_id, status=400, referral_status_forms={referral.pk: form}
    )


@require_POST
@login_required
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    consent = access_consent_for_user(user, pk)
    actions.do_withdraw_consent(consent, acting_user=user)
    messages.success(request, _("The consent was withdrawn."))
    return redirect(reverse("support:client_detail", args=[consent.client_id]) + "#consents")


@require_http_methods(["GET", "POST"])
@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    if request.method == "GET":
        client = access_client_for_user(user, pk)
        form = ClientEditForm(instance=client)
        return render(request, "support/client_edit.html", {"client": client, "form": form})
    client = access_client_for_user(user, pk, action=Action.UPDATE)
    # The form only checks input; the action writes (the instance is not saved by the form).
    form = ClientEditForm(request.POST, instance=Client(agency_id=client.agency_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_client(
                client,
                pseudonym=data["pseudonym"],
                language=data["language"],
                contact=data["contact"],
                protected_identity=data["protected_identity"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The client was updated."))
            return redirect("support:client_detail", pk=client.pk)
    return render(request, "support/client_edit.html", {"client": client, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def client_link_encounter(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the client to an encounter: first choose the shift, then the encounter on it."""
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    if request.method == "POST":
        client = access_client_for_user(user, pk, action=Action.UPDATE)
        form = EncounterLinkForm(request.POST, user=user, shift=None)
        if form.is_valid():
            try:
                actions.do_link_encounter(
                    client, encounter=form.cleaned_data["encounter"], acting_user=user
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The encounter was linked to the client."))
                return redirect(reverse("support:client_detail", args=[client.pk]) + "#encounters")
        context = {"client": client, "shift_form": ShiftPickForm(user=user), "form": form}
        return render(request, "support/link_encounter.html", context, status=400)

    client = access_client_for_user(user, pk)
    shift_form = ShiftPickForm(request.GET if "shift" in request.GET else None, user=user)
    shift: Shift | None = None
    status = 200
    if shift_form.is_bound:
        if shift_form.is_valid():
            shift = shift_form.cleaned_data["shift"]
        else:
            status = 400
    encounter_form = EncounterLinkForm(user=user, shift=shift) if shift is not None else None
    context = {"client": client, "shift_form": shift_form, "form": encounter_form, "shift": shift}
    return render(request, "support/link_encounter.html", context, status=status)


# --- Child-concern reports -------------------------------------------------------------

DEADLINE_NAMES = {
    "protection": gettext_lazy("Protection assessment"),
    "decision": gettext_lazy("Decision on investigation"),
    "investigation": gettext_lazy("Investigation finished"),
}


@dataclass(frozen=True)
class Deadline:
    name: str
    due: dt.datetime
    overdue: bool
    soon: bool

    @property
    def label(self) -> str:
        return str(DEADLINE_NAMES.get(self.name, self.name))


def deadlines_of(handling: ConcernHandling, now: dt.datetime) -> list[Deadline]:
    return [
        Deadline(name, due, overdue, not overdue and due - now <= DEADLINE_WARNING)
        for name, due, overdue in handling.deadlines(now)
    ]


@dataclass(frozen=True)
class ConcernRow:
    handling: ConcernHandling
    deadlines: list[Deadline]

    @property
    def report(self) -> ChildConcernReport:
        return self.handling.report

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)

    @property
    def next_due(self) -> dt.datetime | None:
        return min((d.due for d in self.deadlines), default=None)


@require_GET
@login_required
def concern_inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.CONCERN_HANDLING, Action.LIST)
    now = timezone.now()
    reports = open_concern_reports(concern_reports_handled_by(user, Action.LIST)).select_related(
        "reporter_agency", "client_link__client"
    )
    far = now + dt.timedelta(days=3650)
    rows = sorted(
        (ConcernRow(h, deadlines_of(h, now)) for h in ConcernHandling.of_each(reports)),
        key=lambda row: (row.next_due or far, row.report.pk),
    )
    with transaction.atomic():
        do_record_event(
            user=user,
            action=AuditAction.LIST,
            record_type=RecordType.CONCERN_HANDLING,
            detail=f"inbox; open={len(rows)}",
        )
    context = {
        "rows": rows,
        "overdue": [row for row in rows if row.overdue],
        "now": now,
        "warning_days": DEADLINE_WARNING.days,
    }
    return render(request, "support/concern_inbox.html", context)


def _concern_context(
    user: User, handling: ConcernHandling, bound: Mapping[str, Any]
) -> dict[str, Any]:
    report = handling.report
    link = (
        ConcernClientLink.objects.visible_to(user, Action.UPDATE)
        .filter(report=report)
        .select_related("client")
        .first()
    )
    is_open = not handling.is_closed
    decided = handling.decided_at is not None
    investigating = handling.decision == ConcernDecision.OPEN
    finished = handling.investigation_closed_at is not None
    clients = Client.objects.visible_to(user, Action.UPDATE)
    context: dict[str, Any] = {
        "report": report,
        "handling": handling,
        "deadlines": deadlines_of(handling, timezone.now()),
        "client": link.client if link else None,
        "referrals": actions.referrals_since_report(report),
        # Who the report is about, if the police disclosed it with the report.
        "identities": disclosed_identities(user, report),
        "is_open": is_open,
        "protection_form": None,
        "decision_form": None,
        "finish_form": None,
        "client_form": None,
        "close_form": None,
    }
    if is_open:
        if handling.protection_assessed_at is None:
            context["protection_form"] = ProtectionForm(prefix="protection")
        elif not decided:
            context["decision_form"] = DecisionForm(prefix="decision")
        if decided and investigating and not finished:
            context["finish_form"] = FinishInvestigationForm(prefix="finish")
        if decided and (not investigating or finished):
            context["close_form"] = CloseConcernForm(prefix="close")
        context["client_form"] = ConcernClientForm(
            prefix="client", clients=clients, initial={"client": link.client_id if link else None}
        )
        # The searchable picker starts with the linked client only: other names appear
        # only for a search, which is logged (concern_client_search).
        client_field = context["client_form"].fields["client"]
        assert isinstance(client_field, forms.ModelChoiceField)
        context["client_picker"] = picker_results(client_field, [], selected=link.client_id if link else None)
    context |= bound
    return context


def _render_concern(
    request: HttpRequest, user: User, pk: int, *, status: int = 200, **bound: Any
) -> HttpResponse:
    handling = access_concern_for_user(user, pk)
    return render(
        request, "support/concern_detail.html", _concern_context(user, handling, bound), status=status
    )


@require_GET
@login_required
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_concern(request, signed_in(request), pk)


ConcernWrite = Callable[[ChildConcernReport, dict[str, Any], User], Any]


def _concern_write(
    request: HttpRequest,
    pk: int,
    *,
    make_form: Callable[[User], forms.Form],
    form_key: str,
    write: ConcernWrite,
    done: str,
) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.CONCERN_HANDLING, Action.UPDATE)
    report = access_concern_for_user(user, pk, action=Action.UPDATE).report
    form = make_form(user)
    if form.is_valid():
        try:
            write(report, form.cleaned_data, user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("support:concern_detail", pk=report.pk)
    return _render_concern(request, user, report.pk, status=400, **{form_key: form})


@require_POST
@login_required
def concern_assess(request: HttpRequest, pk: int) -> HttpResponse:
    return _concern_write(
        request,
        pk,
        make_form=lambda user: ProtectionForm(request.POST, prefix="protection"),
        form_key="protection_form",
        write=lambda report, data, user: actions.do_assess_protection(
            report, assessment=data["assessment"], assessed_at=data["assessed_at"], acting_user=user
        ),
        done=_("The protection assessment was recorded."),
    )


@require_POST
@login_required
def concern_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _concern_write(
        request,
        pk,
        make_form=lambda user: DecisionForm(request.POST, prefix="decision"),
        form_key="decision_form",
        write=lambda report, data, user: actions.do_decide_concern(
            report, decision=data["decision"], decided_at=data["decided_at"], acting_user=user
        ),
        done=_("The decision was recorded."),
    )


@require_POST
@login_required
def concern_finish(request: HttpRequest, pk: int) -> HttpResponse:
    return _concern_write(
        request,
        pk,
        make_form=lambda user: FinishInvestigationForm(request.POST, prefix="finish"),
        form_key="finish_form",
        write=lambda report, data, user: actions.do_finish_investigation(
            report, finished_at=data["finished_at"], acting_user=user
        ),
        done=_("The end of the investigation was recorded."),
    )


@require_POST
@login_required
def concern_link_client(request: HttpRequest, pk: int) -> HttpResponse:
    return _concern_write(
        request,
        pk,
        make_form=lambda user: ConcernClientForm(
            request.POST, prefix="client", clients=Client.objects.visible_to(user, Action.UPDATE)
        ),
        form_key="client_form",
        write=lambda report, data, user: actions.do_link_concern_to_client(
            report, client=data["client"], acting_user=user
        ),
        done=_("The report was linked to the client."),
    )


@require_POST
@login_required
def concern_client_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The client picker's search on a child-concern report: the clients the link form accepts, logged as a list."""
    user = signed_in(request)
    require(user, RecordType.CONCERN_HANDLING, Action.UPDATE)
    report = access_concern_for_user(user, pk, action=Action.UPDATE).report
    clients = Client.objects.visible_to(user, Action.UPDATE)
    field = ConcernClientForm(prefix="client", clients=clients).fields["client"]
    form = PickerSearchForm(request.POST, field_name="client-client")
    if not form.is_valid():
        return render(request, "_picker_results.html", {"results": [], "name": "client-client"}, status=400)
    text = form.cleaned_data["q"].strip()
    found = list(clients.search(text, today=timezone.localdate())[: PICKER_LIMIT + 1]) if text else []
    assert isinstance(field, forms.ModelChoiceField)
    rows = picker_results(field, found, selected=form.selected())
    if rows:
        with transaction.atomic():
            do_record_event(
                user=user,
                action=AuditAction.LIST,
                record_type=RecordType.CLIENT,
                detail=f"search to link child-concern report {report.pk}; ids={','.join(value for value, _label, _checked in rows)}",
            )
    return render(
        request, "_picker_results.html", {"results": rows, "name": "client-client", "more": len(found) > PICKER_LIMIT}
    )


@require_POST
@login_required
def concern_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _concern_write(
        request,
        pk,
        make_form=lambda user: CloseConcernForm(request.POST, prefix="close"),
        form_key="close_form",
        write=lambda report, data, user: actions.do_close_concern(
            report, reason=data["closure_reason"], acting_user=user
        ),
        done=_("The report was closed."),
    )


# --- The work list of encounters not linked to a client --------------------------------

WORK_LIST_PAGE = 50


def _unlinked(user: User) -> Any:
    """Persons in prostitution met on the collaboration's shifts, linked to no client and not
    marked by the user's agency as impossible to identify: each counts as a person of its own."""
    marked = UnidentifiedEncounter.objects.visible_to(user).values("encounter_id")
    return (
        Encounter.objects.visible_to(user)
        .filter(role=EncounterRole.EXPLOITED, client_link__isnull=True)
        .exclude(pk__in=marked)
    )


@require_GET
@login_required
def unlinked_list(request: HttpRequest) -> HttpResponse:
    """The social workers' work list: encounters to link to a client or mark as unidentifiable."""
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    form = WorkListPageForm(request.GET)
    if not form.is_valid():
        return render(request, "support/unlinked_list.html", {"form": form, "page": None}, status=400)
    encounters = _unlinked(user).select_related("shift__area", "venue").order_by("-occurred_at", "-pk")
    paginator = Paginator(encounters, WORK_LIST_PAGE)
    with transaction.atomic():
        page = paginator.get_page(form.cleaned_data["page"] or 1)
        do_record_event(
            user=user,
            action=AuditAction.LIST,
            record_type=RecordType.ENCOUNTER,
            detail=f"not linked to a client; page={page.number}; ids={','.join(str(e.pk) for e in page.object_list)}"[:500],
        )
    return render(request, "support/unlinked_list.html", {"form": form, "page": page})


class UnlinkedStepForm(forms.Form):
    """Which of the work list's three forms was sent."""

    step = forms.ChoiceField(choices=[("search", "search"), ("link", "link"), ("unidentified", "unidentified")])


@require_http_methods(["GET", "POST"])
@login_required
def unlinked_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One encounter of the work list: find the client and link, or mark it as unidentifiable."""
    user = signed_in(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    encounter = access_or_404(
        _unlinked(user).select_related("shift__area", "venue"), user, RecordType.ENCOUNTER, pk
    )
    clients = Client.objects.visible_to(user, Action.UPDATE)
    search = ClientSearchForm()
    link_form = LinkToClientForm(clients=clients)
    mark_form = UnidentifiedForm()
    found: list[Client] | None = None
    status = 200
    step = ""
    if request.method == "POST":
        chosen = UnlinkedStepForm(request.POST)
        step = chosen.cleaned_data["step"] if chosen.is_valid() else ""
    if step == "search":
        # POSTed, so that an identity number never lands in a URL.
        search = ClientSearchForm(request.POST)
        if search.is_valid() and search.cleaned_data["q"].strip():
            found = list(clients.search(search.cleaned_data["q"].strip(), today=timezone.localdate())[:20])
            with transaction.atomic():
                do_record_event(
                    user=user,
                    action=AuditAction.LIST,
                    record_type=RecordType.CLIENT,
                    detail=f"search to link encounter {encounter.pk}; ids={','.join(str(c.pk) for c in found)}",
                )
        else:
            status = 400
    elif step == "link":
        link_form = LinkToClientForm(request.POST, clients=clients)
        if link_form.is_valid():
            try:
                actions.do_link_encounter(link_form.cleaned_data["client"], encounter=encounter, acting_user=user)
            except ValidationError as exc:
                apply_errors(link_form, exc)
            else:
                messages.success(request, _("The encounter was linked to the client."))
                return redirect("support:unlinked_list")
        status = 400
    elif step == "unidentified":
        mark_form = UnidentifiedForm(request.POST)
        if mark_form.is_valid():
            try:
                actions.do_mark_unidentified(encounter, reason=mark_form.cleaned_data["reason"], acting_user=user)
            except ValidationError as exc:
                apply_errors(mark_form, exc)
            else:
                messages.success(request, _("The encounter is marked as not possible to identify."))
                return redirect("support:unlinked_list")
        status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "encounter": encounter,
        "search": search,
        "found": found,
        "link_form": link_form,
        "mark_form": mark_form,
    }
    return render(request, "support/unlinked_detail.html", context, status=status)
