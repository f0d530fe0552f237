"""Pages for crime reports, suspects and parties.

Police officers and investigators read and write their own agency's reports,
analysts read them; social services see only the fields a disclosure
granted. Everyone else gets 404, as do hidden and missing records, and every
refusal and every read is audited (``access_or_404``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import access_or_404, require, require_list, signed_in
from samverkan.accounts.forms import apply_errors, form_page
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event, do_record_views
from samverkan.audit.models import AuditAction
from samverkan.investigations import disclosure
from samverkan.investigations.access import (
    report_for_write,
    suspect_consent_for_write,
    suspect_for_write,
    suspect_or_404,
)
from samverkan.investigations.actions import (
    do_add_party,
    do_add_suspect,
    do_change_crime_report_status,
    do_correct_suspect_identity,
    do_create_crime_report,
    do_record_suspect_consent,
    do_withdraw_suspect_consent,
)
from samverkan.investigations.forms import (
    DATETIME_INPUT,
    CrimeReportFilterForm,
    CrimeReportForm,
    PartyForm,
    StartFromForm,
    StatusForm,
    SuspectConsentForm,
    SuspectForm,
    SuspectIdentityForm,
)
from samverkan.investigations.models import CrimeReport, CrimeReportParty, Suspect
from samverkan.operations.models import Encounter, Shift
from samverkan.sharing import gate, purposes
from samverkan.sharing.gate import Disclosable, ProjectedField, Projection, project

PAGE_SIZE = 50
NOT_GIVEN = "\N{EN DASH}"



# --- What a page shows of a record ------------------------------------------------------


def _owner_projection(registered: Disclosable[Any], record: Any, *, leave_out: Iterable[str] = ()) -> Projection:
    """The owner's own view of a record, through the same declaration as a disclosure."""
    return project(registered, record, registered.field_names - set(leave_out))


@dataclass(frozen=True)
class SuspectCard:
    suspect: Suspect
    title: str
    rows: tuple[ProjectedField, ...]


def _suspect_card(suspect: Suspect) -> SuspectCard:
    projection = _owner_projection(disclosure.SUSPECT, suspect)
    return SuspectCard(suspect, projection.title, projection.body)


@dataclass(frozen=True)
class ListRow:
    pk: int
    cells: list[str | None]  # None: not disclosed


LIST_COLUMNS = ("case_number", "offence", "committed_at", "status")


def _list_row(projection: Projection) -> ListRow:
    cells: list[str | None] = []
    for name in LIST_COLUMNS:
        value = projection.value(name)
        cells.append(value if isinstance(value, str) else None)
    return ListRow(projection.pk, cells)


def _list_rows(reports: Iterable[CrimeReport], grants: dict[int, frozenset[str]] | None) -> list[ListRow]:
    """Rows of the list: the owner's whole records, or projections of what was disclosed."""
    return [
        _list_row(
            project(disclosure.CRIME_REPORT, report, set(LIST_COLUMNS) if grants is None else grants[report.pk])
        )
        for report in reports
    ]


def _render_disclosed(
    request: HttpRequest, projection: Projection, heading: str, related: list[dict[str, Any]]
) -> HttpResponse:
    context = {
        "projection": projection,
        "heading": heading,
        "related": related,
        "back_url": reverse("investigations:report_list"),
        "back_label": _("Crime reports"),
    }
    return render(request, "sharing/disclosed_record.html", context)


# --- Crime reports ----------------------------------------------------------------------


@require_GET
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require_list(user, RecordType.CRIME_REPORT)
    form = CrimeReportFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "page": None, "rows": []}
    if not form.is_valid():
        return render(request, "investigations/report_list.html", context, status=400)

    reports = form.filter(CrimeReport.objects.visible_to(user, Action.LIST))
    grants = (
        gate.grants(user, RecordType.CRIME_REPORT)
        if gate.is_disclosed_read(user, RecordType.CRIME_REPORT)
        else None
    )
    if grants is not None:
        # Searching a field that was not disclosed would tell what it holds.
        used = form.used_fields()
        reports = reports.filter(pk__in=[pk for pk, fields in grants.items() if used <= fields])
    reports = reports.select_related("offence").prefetch_related("offence__names").order_by("-committed_at", "-pk")
    paginator = Paginator(reports, PAGE_SIZE)
    with transaction.atomic():
        page = paginator.get_page(request.GET.get("page"))
        summary = form.summary()
        listed = f"page={page.number}; {summary}" if summary else f"page={page.number}"
        if grants is None:
            do_record_event(
                user=user,
                action=AuditAction.LIST,
                record_type=RecordType.CRIME_REPORT,
                detail=listed,
            )
        else:
            # One event per owning agency, so that its auditors see the list too.
            gate.audit_reads(
                user,
                RecordType.CRIME_REPORT,
                gate.owners_of(RecordType.CRIME_REPORT, [r.pk for r in page.object_list]),
                action=AuditAction.LIST,
                detail=listed,
            )
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page,
        rows=_list_rows(page.object_list, grants),
        filter_query=query.urlencode(),
        filtered=bool(summary),
        can_create=user_scope(user, RecordType.CRIME_REPORT, Action.CREATE) is Scope.OWN_AGENCY,
    )
    return render(request, "investigations/report_list.html", context)


def _initial_for_create(request: HttpRequest, user: User) -> dict[str, Any]:
    """Preselect shift and venue when the report starts from a shift or an encounter."""
    initial: dict[str, Any] = {}
    start = StartFromForm(request.GET)
    if not start.is_valid():
        # Not an id that can name a record: hidden and missing alike, audited as denied.
        record = RecordType.ENCOUNTER if "encounter" in start.errors else RecordType.SHIFT
        do_record_event(user=user, action=AuditAction.DENIED, record_type=record, detail="start of a crime report")
        raise Http404
    if start.cleaned_data["encounter"] is not None:
        encounter = access_or_404(
            Encounter.objects.visible_to(user, Action.VIEW).select_related("shift"),
            user,
            RecordType.ENCOUNTER,
            start.cleaned_data["encounter"],
            audit=False,
        )
        initial.update(
            collaboration=encounter.collaboration_id,
            shift=encounter.shift_id,
            venue=encounter.venue_id,
            committed_at=timezone.localtime(encounter.occurred_at).strftime(DATETIME_INPUT),
        )
    elif start.cleaned_data["shift"] is not None:
        shift = access_or_404(
            Shift.objects.visible_to(user, Action.VIEW),
            user,
            RecordType.SHIFT,
            start.cleaned_data["shift"],
            audit=False,
        )
        initial.update(collaboration=shift.collaboration_id, shift=shift.pk)
        venue_ids = list(shift.planned_venues.values_list("pk", flat=True)[:2])
        if len(venue_ids) == 1:
            initial["venue"] = venue_ids[0]
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    require(user, RecordType.CRIME_REPORT, Action.CREATE)
    initial = _initial_for_create(request, user) if request.method == "GET" else {}
    report = form_page(
        request,
        "investigations/report_form.html",
        {},
        lambda data: CrimeReportForm(data, user=user, initial=initial),
        lambda data: do_create_crime_report(acting_user=user, **data),
    )
    if isinstance(report, HttpResponse):
        return report
    messages.success(
        request, _("Crime report %(number)s is registered.") % {"number": report.case_number}
    )
    return redirect("investigations:report_detail", pk=report.pk)


@require_GET
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if gate.is_disclosed_read(user, RecordType.CRIME_REPORT):
        read = purposes.disclosed_read(request, RecordType.CRIME_REPORT, pk)
        if isinstance(read, HttpResponse):
            return read
        projection = read.projection
        related = [
            {
                "heading": _("Suspects"),
                "projections": gate.read_many(
                    user,
                    RecordType.SUSPECT,
                    where={"crime_report_id": projection.pk},
                    detail=f"on crime report {projection.pk}",
                    purpose=read.purpose,
                ),
                "empty": _("No suspects were disclosed to you."),
                "url_name": "investigations:suspect_detail",
            }
        ]
        return _render_disclosed(request, projection, _("Crime report"), related)
    report = access_or_404(
        CrimeReport.objects.visible_to(user, Action.VIEW).select_related(
            "offence", "venue", "shift__area", "created_by"
        ),
        user,
        RecordType.CRIME_REPORT,
        pk,
    )
    suspects = list(
        Suspect.objects.visible_to(user, Action.VIEW)
        .filter(crime_report=report)
        .select_related("child_concern_report__addressed_to", "encounter__venue")
    )
    # The page shows the suspects' identities: each is a read of its own.
    do_record_views(
        user=user, record_type=RecordType.SUSPECT, record_ids=[s.pk for s in suspects], detail=f"on crime report {report.pk}"
    )
    parties = list(
        CrimeReportParty.objects.visible_to(user, Action.VIEW)
        .filter(crime_report=report)
        .select_related("encounter__venue")
    )
    can_write = (
        report.is_open
        and user_scope(user, RecordType.CRIME_REPORT, Action.UPDATE) is Scope.OWN_AGENCY
    )
    context = {
        "report": report,
        # The parties have a table of their own below.
        "rows": _owner_projection(disclosure.CRIME_REPORT, report, leave_out={"parties"}).fields,
        "suspects": [_suspect_card(s) for s in suspects],
        "minor_suspects": any(s.is_minor_at_offence for s in suspects),
        "parties": parties,
        "can_write": can_write,
        "next_statuses": report.next_statuses if can_write else [],
    }
    return render(request, "investigations/report_detail.html", context)


@require_POST
@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    report = report_for_write(user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return redirect("investigations:report_detail", pk=report.pk)
    try:
        report = do_change_crime_report_status(
            report, status=form.cleaned_data["status"], acting_user=user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The status is now: %(status)s.") % {"status": report.get_status_display()}
        )
    return redirect("investigations:report_detail", pk=report.pk)


# --- Suspects ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def suspect_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    report = report_for_write(user, pk)
    require(user, RecordType.SUSPECT, Action.CREATE)
    if not report.is_open:
        messages.error(request, _("The crime report is closed; no suspects can be added."))
        return redirect("investigations:report_detail", pk=report.pk)
    suspect = form_page(
        request,
        "investigations/suspect_form.html",
        {"report": report},
        lambda data: SuspectForm(data, report=report, user=user),
        lambda data: do_add_suspect(report, acting_user=user, **data),
    )
    if isinstance(suspect, HttpResponse):
        return suspect
    messages.success(request, _("The suspect is added."))
    if suspect.child_concern_report is not None:
        messages.warning(
            request,
            _(
                "The suspect was under 18 at the offence. A child-concern report has been sent "
                "to %(agency)s. Guardians must be notified (LUL)."
            )
            % {"agency": suspect.child_concern_report.addressed_to.name},
        )
    return redirect("investigations:report_detail", pk=report.pk)


@require_GET
@login_required
def suspect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if gate.is_disclosed_read(user, RecordType.SUSPECT):
        read = purposes.disclosed_read(request, RecordType.SUSPECT, pk)
        if isinstance(read, HttpResponse):
            return read
        return _render_disclosed(request, read.projection, _("Suspect"), [])
    return _render_suspect(request, user, suspect_or_404(user, pk))


def _render_suspect(
    request: HttpRequest, user: User, suspect: Suspect, consent_form: SuspectConsentForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "suspect": suspect,
        "rows": _owner_projection(disclosure.SUSPECT, suspect).fields,
        "corrected_age": suspect.age_by_birth_date(),
        "can_write": user_scope(user, RecordType.SUSPECT, Action.UPDATE) is Scope.OWN_AGENCY,
        "consents": list(suspect.consents.select_related("recorded_by")),
        "consent_form": consent_form or SuspectConsentForm(prefix="consent", initial={"given_on": timezone.localdate()}),
    }
    return render(request, "investigations/suspect_detail.html", context, status=status)


@require_POST
@login_required
def suspect_consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the suspect's consent that the police tell social services (OSL 12 kap. 2 §)."""
    user = signed_in(request)
    suspect = suspect_for_write(user, pk)
    form = SuspectConsentForm(request.POST, prefix="consent")
    if not form.is_valid():
        return _render_suspect(request, user, suspect, form, status=400)
    try:
        do_record_suspect_consent(suspect, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return _render_suspect(request, user, suspect, form, status=400)
    messages.success(request, _("The consent was recorded."))
    return redirect(reverse("investigations:suspect_detail", args=[suspect.pk]) + "#consents")


@require_POST
@login_required
def suspect_consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    consent = suspect_consent_for_write(user, pk)
    do_withdraw_suspect_consent(consent, acting_user=user)
    messages.success(request, _("The consent was withdrawn."))
    return redirect(reverse("investigations:suspect_detail", args=[consent.suspect_id]) + "#consents")


@require_http_methods(["GET", "POST"])
@login_required
def suspect_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    suspect = suspect_for_write(user, pk)
    template = "investigations/suspect_correct.html"
    if request.method == "GET":
        form = SuspectIdentityForm(
            initial={
                "name": suspect.name,
                "personnummer": suspect.personnummer_display,
                "birth_date": suspect.birth_date,
            }
        )
        return render(request, template, {"form": form, "suspect": suspect})
    form = SuspectIdentityForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form, "suspect": suspect}, status=400)
    had_concern_report = suspect.child_concern_report_id is not None
    try:
        suspect = do_correct_suspect_identity(suspect, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, {"form": form, "suspect": suspect}, status=400)
    messages.success(request, _("The suspect's identity is corrected."))
    if not had_concern_report and suspect.child_concern_report is not None:
        messages.warning(
            request,
            _(
                "The corrected date of birth shows the suspect was under 18. A child-concern "
                "report has been sent to %(agency)s. Guardians must be notified (LUL)."
            )
            % {"agency": suspect.child_concern_report.addressed_to.name},
        )
    return redirect("investigations:suspect_detail", pk=suspect.pk)


# --- Parties ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    report = report_for_write(user, pk)
    if not report.is_open:
        messages.error(request, _("The crime report is closed; no parties can be added."))
        return redirect("investigations:report_detail", pk=report.pk)
    added = form_page(
        request,
        "investigations/party_form.html",
        {"report": report},
        lambda data: PartyForm(data, report=report, user=user),
        lambda data: do_add_party(report, acting_user=user, **data),
    )
    if isinstance(added, HttpResponse):
        return added
    messages.success(request, _("The party is added."))
    return redirect("investigations:report_detail", pk=report.pk)
