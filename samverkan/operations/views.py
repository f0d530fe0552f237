"""Shift planning, the live shift page used in the field, and venues."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.accounts.access import access_or_404, require, require_list, signed_in
from samverkan.accounts.forms import (
    PICKER_LIMIT,
    PICKER_THRESHOLD,
    PickerSearchForm,
    apply_errors,
    picker_results,
)
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, can, is_field_staff
from samverkan.lib.places import venue_key
from samverkan.operations import actions
from samverkan.operations.forms import (
    CalendarForm,
    CancelForm,
    EncounterCorrectionForm,
    EncounterForm,
    LogEntryForm,
    NewVenueForm,
    OperationForm,
    ParticipantForm,
    ShiftCorrectionForm,
    ShiftFilterForm,
    ShiftForm,
    VenueForm,
    VenueSearchForm,
    VenueVisitCorrectionForm,
    VenueVisitForm,
    shift_venue_form,
)
from samverkan.operations.models import (
    ChildConcernReport,
    Operation,
    Shift,
    ShiftStatus,
    Venue,
    entry_edit_limit,
)
from samverkan.operations.venues import Candidate, similar_venues


def _shift(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Shift:
    user = signed_in(request)
    qs = Shift.objects.visible_to(user, Action.VIEW).select_related("area", "operation", "collaboration")
    shift = access_or_404(qs, user, RecordType.SHIFT, pk, action=action)
    if action is not Action.VIEW:
        require(user, RecordType.SHIFT, action)
    return shift


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _visible_or_404(request: HttpRequest, record: RecordType) -> User:
    """The user of a page that lists and shows records of this type; 404 (audited) for others."""
    user = signed_in(request)
    require_list(user, record, Action.LIST)
    require_list(user, record, Action.VIEW)
    return user



# --- Shifts -----------------------------------------------------------------


@require_GET
@login_required
def shift_list(request: HttpRequest) -> HttpResponse:
    user = _visible_or_404(request, RecordType.SHIFT)
    form = ShiftFilterForm(request.GET or None)
    shifts = Shift.objects.visible_to(user).select_related("area", "operation").prefetch_related("participants__agency")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        if form.cleaned_data.get("status"):
            shifts = shifts.filter(status=form.cleaned_data["status"])
        if form.cleaned_data.get("basis"):
            shifts = shifts.filter(basis=form.cleaned_data["basis"])
        period = form.month_range()
        if period:
            shifts = shifts.starting_between(*period)
    now = timezone.now()
    upcoming = (
        Shift.objects.visible_to(user)
        .filter(status__in=[ShiftStatus.PLANNED, ShiftStatus.ONGOING], ends_at__gte=now - dt.timedelta(hours=12))
        .select_related("area")
        .order_by("starts_at")[:10]
    )
    # A shift that can be started now is started from here: one tap less in the field.
    can_start = can(user, RecordType.SHIFT, Action.UPDATE)
    upcoming_rows = [
        (shift, can_start and shift.status == ShiftStatus.PLANNED and shift.earliest_start() <= now <= shift.ends_at)
        for shift in upcoming
    ]
    page = Paginator(shifts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/shift_list.html",
        {"form": form, "page": page, "upcoming": upcoming_rows, "can_create": can(user, RecordType.SHIFT, Action.CREATE)},
        status=status,
    )


@require_GET
@login_required
def shift_calendar(request: HttpRequest) -> HttpResponse:
    user = _visible_or_404(request, RecordType.SHIFT)
    today = timezone.localdate()
    form = CalendarForm(request.GET)
    if not form.is_valid():
        return render(request, "errors/400.html", status=400)
    first = dt.date(form.cleaned_data["year"] or today.year, form.cleaned_data["month"] or today.month, 1)
    start = _midnight(first)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = _midnight(nxt)
    by_day: dict[dt.date, list[Shift]] = {}
    for shift in Shift.objects.visible_to(user).starting_between(start, end).select_related("area").order_by("starts_at"):
        by_day.setdefault(timezone.localdate(shift.starts_at), []).append(shift)
    weeks = [
        [(day, by_day.get(day, []), day.month == first.month) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "operations/shift_calendar.html",
        {"weeks": weeks, "first": first, "prev": prev, "next": nxt, "today": today},
    )


@require_http_methods(["GET", "POST"])
@login_required
def shift_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not can(user, RecordType.SHIFT, Action.LIST):
        raise Http404
    require(user, RecordType.SHIFT, Action.CREATE)
    collaboration = actions.working_collaboration(user)
    form = ShiftForm(request.POST or None, user=user, collaboration=collaboration)
    if request.method == "POST" and form.is_valid():
        try:
            shift = actions.do_create_shift(
                collaboration=collaboration,
                area=form.cleaned_data["area"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                basis=form.cleaned_data["basis"],
                operation=form.cleaned_data["operation"],
                planned_venues=form.cleaned_data["planned_venues"],
                # The planner is staffed only if they go out in the field themselves.
                participants=[user] if is_field_staff(user) else [],
                briefing=form.cleaned_data["briefing"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The shift is planned."))
            return redirect("operations:shift_detail", pk=shift.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/shift_form.html", {"form": form, "shift": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    shift = _shift(request, pk, Action.UPDATE)
    form = ShiftForm(request.POST or None, instance=shift, user=user, collaboration=shift.collaboration)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in ("area", "starts_at", "ends_at", "basis", "operation", "briefing")}
        try:
            actions.do_update_shift(shift, acting_user=user, planned_venues=form.cleaned_data["planned_venues"], **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The shift is saved."))
            return redirect("operations:shift_detail", pk=shift.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/shift_form.html", {"form": form, "shift": shift}, status=status)


def _can_enter(user: User, shift: Shift, participant: Any) -> bool:
    """Whether the shift page offers ``user`` to record what happened (the actions decide)."""
    if shift.status == ShiftStatus.ONGOING:
        return True
    return shift.status == ShiftStatus.COMPLETED and participant is not None and timezone.now() <= shift.entry_deadline()


def _shift_page_context(request: HttpRequest, shift: Shift, new_venue: Venue | None = None, **forms: Any) -> dict[str, Any]:
    user = signed_in(request)
    # A venue just added is the one the next encounter and visit are at.
    venue_initial = {"venue": new_venue.pk} if new_venue is not None else {}
    encounters = shift.encounters.select_related("venue").order_by("-occurred_at", "-pk")
    concern_reports = ChildConcernReport.objects.visible_to(user).filter(encounter__shift=shift)
    participants = list(shift.participants.select_related("user", "agency").order_by("agency__name", "pk"))
    me = next((p for p in participants if p.user_id == user.pk), None)
    can_update = can(user, RecordType.SHIFT, Action.UPDATE)
    can_enter = _can_enter(user, shift, me)
    edit_since = timezone.now() - entry_edit_limit()
    context: dict[str, Any] = {
        "shift": shift,
        "participants": participants,
        "me": me,
        "log_entries": shift.log_entries.select_related("author"),
        "encounters": encounters,
        "encounter_count": encounters.count(),
        "concern_reports": concern_reports,
        "planned_venues": shift.planned_venues.all(),
        "visits": shift.venue_visits.select_related("venue").order_by("-arrived_at", "-pk"),
        "corrections": shift.corrections.select_related("made_by"),
        "edit_since": edit_since,
        "can_update": can_update,
        "can_record": can(user, RecordType.ENCOUNTER, Action.CREATE) and can_enter,
        "can_visit": can_update and can_enter,
        "after_shift": shift.status == ShiftStatus.COMPLETED,
        "can_check_in": can_update and is_field_staff(user) and shift.status in (ShiftStatus.PLANNED, ShiftStatus.ONGOING)
        and (me is None or me.checked_out_at is None) and not (me and me.checked_in_at)
        and timezone.now() >= shift.earliest_start(),
        "can_complete": shift.can_complete(),
        "missing_agencies": shift.missing_agencies() if shift.status == ShiftStatus.ONGOING else [],
        "encounter_form": forms.get("encounter_form") or EncounterForm(shift=shift, user=user, initial=dict(venue_initial)),
        "visit_form": forms.get("visit_form") or VenueVisitForm(shift=shift, user=user, initial=dict(venue_initial), auto_id="visit_%s"),
        "log_form": forms.get("log_form") or LogEntryForm(),
        "participant_form": forms.get("participant_form") or ParticipantForm(shift=shift),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "venue_form": forms.get("venue_form") or shift_venue_form(shift, user),
        "correction_form": forms.get("correction_form") or ShiftCorrectionForm(shift=shift),
        "is_participant": me is not None,
        "is_field_staff": is_field_staff(user),
        "htmx": bool(request.headers.get("HX-Request")),
        "new_venue": new_venue,
    }
    context |= _pickers(context)
    return context


def _pickers(context: dict[str, Any]) -> dict[str, Any]:
    """The first choices of each long list, shown as a searchable picker instead of a dropdown."""
    pickers: dict[str, Any] = {}
    for key, name in (("participant_form", "user"), ("encounter_form", "venue"), ("visit_form", "venue")):
        field = context[key].fields[name]
        if field.queryset.count() > PICKER_THRESHOLD:
            bound = context[key][name]
            pickers[f"{key}_picker"] = picker_results(field, field.queryset, selected=bound.value())
    return pickers


@require_GET
@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk)
    return render(request, "operations/shift_detail.html", _shift_page_context(request, shift))


def _after_post(request: HttpRequest, shift: Shift, error: ValidationError | None = None, **forms: Any) -> HttpResponse:
    if error is None and not forms:
        return redirect("operations:shift_detail", pk=shift.pk)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    context = _shift_page_context(request, shift, **forms)
    return render(request, "operations/shift_detail.html", context, status=400)


@require_POST
@login_required
def shift_start(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    try:
        actions.do_start_shift(shift, acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    messages.success(request, _("The shift has started."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_complete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    try:
        actions.do_complete_shift(shift, acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    messages.success(request, _("The shift is completed."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _after_post(request, shift, cancel_form=form)
    try:
        actions.do_cancel_shift(shift, reason=form.cleaned_data["reason"], acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    messages.success(request, _("The shift is cancelled."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    try:
        actions.do_check_in(shift, acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    messages.success(request, _("You have checked in to the shift."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    try:
        actions.do_check_out(shift, acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    messages.success(request, _("You have checked out of the shift."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a completed shift's times after the fact: explicit, with a reason, shown and audited."""
    shift = _shift(request, pk, Action.UPDATE)
    form = ShiftCorrectionForm(request.POST, shift=shift)
    if not form.is_valid():
        return _after_post(request, shift, correction_form=form)
    try:
        actions.do_correct_shift_times(shift, acting_user=signed_in(request), **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        shift.refresh_from_db()
        return _after_post(request, shift, correction_form=form)
    messages.success(request, _("The shift's times are corrected."))
    return _after_post(request, shift)


@require_POST
@login_required
def shift_join(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    user = signed_in(request)
    try:
        actions.do_add_participant(shift, user=user, acting_user=user)
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    return _after_post(request, shift)


@require_POST
@login_required
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    form = ParticipantForm(request.POST, shift=shift)
    if not form.is_valid():
        return _after_post(request, shift, participant_form=form)
    try:
        actions.do_add_participant(shift, user=form.cleaned_data["user"], acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    return _after_post(request, shift)


@require_POST
@login_required
def participant_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    participant = shift.participants.filter(user_id=user_id).select_related("user").first()
    if participant is None:
        raise Http404
    try:
        actions.do_remove_participant(shift, user=participant.user, acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    return _after_post(request, shift)


@require_POST
@login_required
def log_add(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk, Action.UPDATE)
    form = LogEntryForm(request.POST)
    if not form.is_valid():
        return _after_post(request, shift, log_form=form)
    try:
        actions.do_write_log(shift, text=form.cleaned_data["text"], acting_user=signed_in(request))
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    if request.headers.get("HX-Request"):
        context = _shift_page_context(request, shift)
        return render(request, "operations/_shift_log.html", context)
    return _after_post(request, shift)


@require_POST
@login_required
def encounter_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The field entry. Works with and without htmx; a repeated key creates nothing."""
    user = signed_in(request)
    shift = _shift(request, pk)
    require(user, RecordType.ENCOUNTER, Action.CREATE)
    form = EncounterForm(request.POST, shift=shift, user=user)
    htmx = bool(request.headers.get("HX-Request"))
    template = "operations/_encounter_panel.html" if htmx else "operations/shift_detail.html"
    if not form.is_valid():
        return render(request, template, _shift_page_context(request, shift, encounter_form=form), status=400)
    try:
        encounter, created = actions.do_record_encounter(
            shift,
            role=form.cleaned_data["role"],
            age_band=form.cleaned_data["age_band"],
            venue=form.cleaned_data["venue"],
            occurred_at=form.cleaned_data["occurred_at"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            acting_user=user,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, template, _shift_page_context(request, shift, encounter_form=form), status=400)
    if not created:
        messages.info(request, _("This encounter was already recorded."))
    elif encounter.is_possible_minor and encounter.role != "other":
        messages.warning(request, _("Encounter recorded. A child-concern report has been sent to social services."))
    else:
        messages.success(request, _("Encounter recorded."))
    if htmx:
        # A fresh form (new idempotency key) keeps the chosen venue for the next person.
        fresh = EncounterForm(shift=shift, user=user, initial={"venue": encounter.venue_id})
        return render(request, template, _shift_page_context(request, shift, encounter_form=fresh))
    return redirect("operations:shift_detail", pk=shift.pk)


@require_http_methods(["GET", "POST"])
@login_required
def encounter_edit(request: HttpRequest, pk: int, encounter_id: int) -> HttpResponse:
    """The author corrects an encounter's time or venue, for a limited time after recording it."""
    user = signed_in(request)
    shift = _shift(request, pk)
    require(user, RecordType.ENCOUNTER, Action.UPDATE)
    encounter = actions.shift_encounter(user, shift, encounter_id)
    form = EncounterCorrectionForm(request.POST or None, encounter=encounter, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_encounter(encounter, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The encounter is corrected."))
            return redirect("operations:shift_detail", pk=shift.pk)
    elif request.method == "GET" and encounter.recorded_by_id != user.pk:
        raise PermissionDenied
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/entry_edit.html", {"form": form, "shift": shift, "record": encounter}, status=status)


@require_POST
@login_required
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A venue visit from the phone: the venue, the outcome, a tap. A repeated key records nothing new."""
    user = signed_in(request)
    shift = _shift(request, pk, Action.UPDATE)
    form = VenueVisitForm(request.POST, shift=shift, user=user, auto_id="visit_%s")
    if not form.is_valid():
        return _after_post(request, shift, visit_form=form)
    try:
        _visit, created = actions.do_record_venue_visit(shift, acting_user=user, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return _after_post(request, shift, visit_form=form)
    messages.success(request, _("The visit is recorded.") if created else _("This visit was already recorded."))
    return _after_post(request, shift)


@require_POST
@login_required
def visit_left(request: HttpRequest, pk: int, visit_id: int) -> HttpResponse:
    """One tap when the staff leave the venue."""
    user = signed_in(request)
    shift = _shift(request, pk, Action.UPDATE)
    visit = actions.shift_visit(user, shift, visit_id)
    try:
        actions.do_record_visit_left(visit, acting_user=user)
    except ValidationError as exc:
        return _after_post(request, shift, exc)
    return _after_post(request, shift)


@require_http_methods(["GET", "POST"])
@login_required
def visit_edit(request: HttpRequest, pk: int, visit_id: int) -> HttpResponse:
    user = signed_in(request)
    shift = _shift(request, pk, Action.UPDATE)
    visit = actions.shift_visit(user, shift, visit_id)
    if visit.recorded_by_id != user.pk:
        raise PermissionDenied
    form = VenueVisitCorrectionForm(request.POST or None, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_venue_visit(visit, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The visit is corrected."))
            return redirect("operations:shift_detail", pk=shift.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/entry_edit.html", {"form": form, "shift": shift, "record": visit}, status=status)


@require_POST
@login_required
def shift_venue_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a venue to the shift on the spot: an existing one is found again.

    With htmx the venues' panel is replaced in place and the new venue is selected
    in the encounter and visit forms (out-of-band); without, the page is shown again
    with the same selection.
    """
    user = signed_in(request)
    shift = _shift(request, pk, Action.UPDATE)
    require(user, RecordType.VENUE, Action.CREATE)
    htmx = bool(request.headers.get("HX-Request"))
    form = shift_venue_form(shift, user, request.POST)
    venue: Venue | None = None
    if form.is_valid():
        try:
            venue, created = actions.do_add_shift_venue(shift, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            venue = None
    if venue is None:
        if htmx:
            return render(request, "operations/_venues_panel.html", _shift_page_context(request, shift, venue_form=form), status=400)
        return _after_post(request, shift, venue_form=form)
    if created:
        messages.success(request, _("%(venue)s is added to the shift and chosen for the next encounter.") % {"venue": venue})
    else:
        messages.info(request, _("%(venue)s already existed: it is added to the shift and chosen for the next encounter.") % {"venue": venue})
    context = _shift_page_context(request, shift, new_venue=venue)
    if htmx:
        return render(request, "operations/_venues_panel.html", {**context, "oob": True})
    return render(request, "operations/shift_detail.html", context)


def _picker_search(request: HttpRequest, field: Any, queryset: Any, field_name: str) -> HttpResponse:
    form = PickerSearchForm(request.POST, field_name=field_name)
    if not form.is_valid():
        return render(request, "_picker_results.html", {"results": [], "name": field_name}, status=400)
    rows = picker_results(field, queryset, selected=form.selected())
    return render(
        request, "_picker_results.html", {"results": rows, "name": field_name, "more": queryset.count() > PICKER_LIMIT}
    )


@require_POST
@login_required
def participant_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff picker's search: field staff of the shift's agencies not yet on it (as the form offers)."""
    shift = _shift(request, pk, Action.UPDATE)
    field = ParticipantForm(shift=shift).fields["user"]
    form = PickerSearchForm(request.POST, field_name="user")
    text = (form.cleaned_data.get("q") or "").strip() if form.is_valid() else ""
    queryset = field.queryset  # type: ignore[attr-defined]
    for word in text.split():
        queryset = queryset.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
            | Q(membership_record__agency__name__icontains=word)
        )
    return _picker_search(request, field, queryset, "user")


@require_POST
@login_required
def venue_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue picker's search on a shift: the venues the encounter and visit forms accept."""
    user = signed_in(request)
    shift = _shift(request, pk)
    field = EncounterForm(shift=shift, user=user).fields["venue"]
    form = PickerSearchForm(request.POST, field_name="venue")
    text = (form.cleaned_data.get("q") or "").strip() if form.is_valid() else ""
    queryset = field.queryset.search(text)  # type: ignore[attr-defined]
    return _picker_search(request, field, queryset, "venue")


# --- Venues -----------------------------------------------------------------


@require_GET
@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    user = _visible_or_404(request, RecordType.VENUE)
    form = VenueSearchForm(request.GET or None)
    venues = Venue.objects.visible_to(user).select_related("area")
    status = 200
    if form.is_bound and form.is_valid():
        venues = venues.search(form.cleaned_data.get("q") or "")
        if form.cleaned_data.get("kind"):
            venues = venues.filter(kind=form.cleaned_data["kind"])
    elif form.is_bound:
        status = 400
    page = Paginator(venues.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/venue_list.html",
        {"form": form, "page": page, "can_create": can(user, RecordType.VENUE, Action.CREATE)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def venue_create(request: HttpRequest) -> HttpResponse:
    user = _visible_or_404(request, RecordType.VENUE)
    require(user, RecordType.VENUE, Action.CREATE)
    form = NewVenueForm(request.POST or None, user=user)
    candidates: list[Candidate] = []
    if request.method == "POST" and form.is_valid():
        data = form.venue_fields()
        if not form.cleaned_data["confirm_new"]:
            collaboration = actions.working_collaboration(user)
            key = venue_key(data["name"], data["address"])
            visible = Venue.objects.visible_to(user).filter(collaboration=collaboration)
            if not visible.filter(kind=data["kind"], search_key=key).exists():
                candidates = similar_venues(visible, name=data["name"], address=data["address"])
        if candidates:
            # "Did you mean …?": the user picks one of them, or confirms a new venue.
            form.ask_to_confirm()
            return render(request, "operations/venue_form.html", {"form": form, "venue": None, "candidates": candidates})
        try:
            venue, created = actions.do_find_or_create_venue(
                collaboration=actions.working_collaboration(user), acting_user=user, **data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("The venue is saved."))
            else:
                messages.info(request, _("The venue already existed; here it is."))
            return redirect("operations:venue_detail", pk=venue.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/venue_form.html", {"form": form, "venue": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    venue = access_or_404(Venue.objects.visible_to(user, Action.VIEW).select_related("area"), user, RecordType.VENUE, pk, audit=False)
    form = VenueForm(request.POST or None, instance=venue, user=user)
    if request.method == "POST":
        require(user, RecordType.VENUE, Action.UPDATE)
        if form.is_valid():
            try:
                actions.do_update_venue(venue, acting_user=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The venue is saved."))
                return redirect("operations:venue_detail", pk=venue.pk)
    shifts = venue.planned_shifts.select_related("area").order_by("-starts_at")[:20]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "operations/venue_form.html",
        {"form": form, "venue": venue, "shifts": shifts, "can_update": can(user, RecordType.VENUE, Action.UPDATE)},
        status=status,
    )


# --- Operations -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def operation_list(request: HttpRequest) -> HttpResponse:
    user = _visible_or_404(request, RecordType.SHIFT)
    collaboration = actions.working_collaboration(user)
    form = OperationForm(request.POST or None)
    if request.method == "POST":
        require(user, RecordType.SHIFT, Action.CREATE)
        form.instance.collaboration = collaboration
        if form.is_valid():
            try:
                actions.do_create_operation(collaboration=collaboration, acting_user=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The operation is saved."))
                return redirect("operations:operation_list")
    operations = Operation.objects.visible_to(user).order_by("-starts_on", "name")
    status = 400 if request.method == "POST" else 200
    return render(request, "operations/operation_list.html", {"form": form, "operations": operations}, status=status)
