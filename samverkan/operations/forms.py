from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Area, AreaKind, User
from samverkan.accounts.policy import FIELD_ROLES, FIELD_ROLES_IF_AGENCY_SAYS
from samverkan.operations.models import (
    AgeBand,
    Encounter,
    EncounterRole,
    Operation,
    Shift,
    ShiftBasis,
    ShiftStatus,
    Venue,
    VenueKind,
    VenueVisit,
    VisitOutcome,
)

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class EncounterChoiceField(forms.ModelChoiceField[Encounter]):
    """A choice of encounters, each named by its time, role, age band and venue."""

    def label_from_instance(self, obj: Encounter) -> str:
        return obj.label


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _areas_for(user: User) -> Any:
    agencies = [a for c in user.collaborations() for a in c.agencies.all()]
    return Area.objects.filter(agency__in=agencies).exclude(kind=AreaKind.POLICE_DISTRICT).order_by("kind", "name")


def ends_after_start(form: forms.BaseForm, data: dict[str, Any]) -> dict[str, Any]:
    """A shift's planned end must come after its start: the error goes on ``ends_at``."""
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends <= starts:
        form.add_error("ends_at", _("The shift must end after it starts."))
    return data


class ShiftForm(forms.ModelForm[Shift]):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)

    class Meta:
        model = Shift
        fields = ["area", "starts_at", "ends_at", "basis", "operation", "planned_venues", "briefing"]
        widgets = {
            "planned_venues": forms.CheckboxSelectMultiple,
            "briefing": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, collaboration: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas_for(user)  # type: ignore[attr-defined]
        self.fields["operation"].queryset = Operation.objects.filter(collaboration=collaboration)  # type: ignore[attr-defined]
        self.fields["planned_venues"].queryset = Venue.objects.visible_to(user).filter(collaboration=collaboration)  # type: ignore[attr-defined]
        self.fields["planned_venues"].required = False
        self.fields["briefing"].help_text = _("What the shift is about. Do not write names or other identities here.")
        self.instance.collaboration = collaboration

    def clean(self) -> dict[str, Any]:
        return ends_after_start(self, super().clean() or {})


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class LogEntryForm(forms.Form):
    text = forms.CharField(
        label=_("Log entry"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or other identities: they belong in each agency's own records."),
    )


def field_staff_of(shift: Shift) -> Any:
    """The users who can be staffed on ``shift``: active field staff of its collaboration's agencies.

    The same rule as ``actions.do_add_participant`` (``policy.goes_out_in_field``), as a query.
    """
    agencies = shift.collaboration.agencies.all()
    return User.objects.filter(is_active=True, membership_record__agency__in=agencies).filter(
        Q(membership_record__role__in=FIELD_ROLES)
        | Q(membership_record__role__in=FIELD_ROLES_IF_AGENCY_SAYS, membership_record__agency__coordinators_in_field=True)
    )


class ParticipantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Participant"), queryset=User.objects.none())

    def __init__(self, *args: Any, shift: Shift, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].help_text = _("Only staff who go out in the field can be staffed on a shift.")
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            field_staff_of(shift)
            .exclude(shift_participations__shift=shift)
            .select_related("membership_record__agency")
            .order_by("membership_record__agency__name", "first_name", "username")
        )
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} – {u.membership_record.get_role_display()}, {u.membership_record.agency.name}"  # type: ignore[attr-defined]


class _OnShiftForm(forms.Form):
    """A form filled in on a shift: a ``venue`` among the shift's, and an ``idempotency_key``
    that makes the same form sent twice one write."""

    def __init__(self, *args: Any, shift: Shift, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = shift_venues(shift, user)  # type: ignore[attr-defined]


class EncounterForm(_OnShiftForm):
    """The field form: a handful of taps on a phone."""

    role = forms.ChoiceField(label=_("Who"), choices=EncounterRole.choices, widget=forms.RadioSelect)
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
        help_text=_("Uncertain age counts as a child: a child-concern report is made."),
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), empty_label=None)
    occurred_at = forms.DateTimeField(
        label=_("Time"), required=False, widget=DateTimeLocalInput(), input_formats=TIME_FORMATS,
        help_text=_("Leave empty for now. After the shift, say when."),
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, shift: Shift, user: User, **kwargs: Any) -> None:
        super().__init__(*args, shift=shift, user=user, **kwargs)
        if "venue" not in self.initial:
            self.initial["venue"] = current_venue(shift, user)


def current_venue(shift: Shift, user: User) -> int | None:
    """Where the staff are now, as far as the shift knows: the user's last encounter's venue,
    else the last visit's, else the venue added to the plan last (not the alphabetically first)."""
    last = shift.encounters.filter(recorded_by=user).order_by("-recorded_at", "-pk").values_list("venue_id", flat=True).first()
    if last is None:
        last = shift.venue_visits.order_by("-arrived_at", "-pk").values_list("venue_id", flat=True).first()
    if last is None:
        last = shift.planned_venues.through.objects.filter(shift=shift).order_by("-pk").values_list("venue_id", flat=True).first()
    return last


def shift_venues(shift: Shift, user: User) -> Any:
    """The venues to choose from on a shift: those planned and those already met at, or all of the collaboration's."""
    queryset = Venue.objects.visible_to(user).filter(collaboration=shift.collaboration)
    planned = list(shift.planned_venues.values_list("pk", flat=True))
    if planned:
        queryset = queryset.filter(
            pk__in=[*planned, *shift.encounters.values_list("venue_id", flat=True), *shift.venue_visits.values_list("venue_id", flat=True)]
        )
    return queryset.order_by("name")


class EncounterCorrectionForm(forms.Form):
    occurred_at = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), empty_label=None)

    def __init__(self, *args: Any, encounter: Encounter, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"occurred_at": timezone.localtime(encounter.occurred_at), "venue": encounter.venue_id})
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = shift_venues(encounter.shift, user)  # type: ignore[attr-defined]


class VenueVisitForm(_OnShiftForm):
    """A visit on the phone: the venue, what was found, and a tap."""

    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), empty_label=None)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    arrived_at = forms.DateTimeField(
        label=_("Arrived"), required=False, widget=DateTimeLocalInput(), input_formats=TIME_FORMATS,
        help_text=_("Leave empty for now. After the shift, say when."),
    )
    left_at = forms.DateTimeField(label=_("Left"), required=False, widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class VenueVisitCorrectionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    arrived_at = forms.DateTimeField(label=_("Arrived"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    left_at = forms.DateTimeField(label=_("Left"), required=False, widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)

    def __init__(self, *args: Any, visit: VenueVisit, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "outcome": visit.outcome,
                "arrived_at": timezone.localtime(visit.arrived_at),
                "left_at": timezone.localtime(visit.left_at) if visit.left_at else None,
            },
        )
        super().__init__(*args, **kwargs)


class ShiftCorrectionForm(forms.Form):
    """The times of a completed shift, corrected after the fact with a reason."""

    starts_at = forms.DateTimeField(label=_("Planned start"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Planned end"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    started_at = forms.DateTimeField(label=_("Started"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    completed_at = forms.DateTimeField(label=_("Completed"), widget=DateTimeLocalInput(), input_formats=TIME_FORMATS)
    reason = forms.CharField(label=_("Why the times are corrected"), max_length=300)

    def __init__(self, *args: Any, shift: Shift, **kwargs: Any) -> None:
        def local(value: dt.datetime | None) -> dt.datetime | None:
            return timezone.localtime(value) if value else None

        kwargs.setdefault(
            "initial",
            {
                "starts_at": local(shift.starts_at),
                "ends_at": local(shift.ends_at),
                "started_at": local(shift.started_at),
                "completed_at": local(shift.completed_at),
            },
        )
        super().__init__(*args, **kwargs)


class VenueForm(forms.ModelForm[Venue]):
    class Meta:
        model = Venue
        fields = ["kind", "name", "address", "area", "latitude", "longitude"]

    def __init__(self, *args: Any, user: User, on: dt.date | None = None, field_entry: bool = False, **kwargs: Any) -> None:
        """``on``: the day whose areas are offered (today by default); ``field_entry``: the kind as one-tap choices."""
        super().__init__(*args, **kwargs)
        # Only the areas in use on the day; a venue already in an old area keeps it.
        areas = _areas_for(user).valid_on(on or timezone.localdate())
        if self.instance.area_id:
            areas = (areas | _areas_for(user).filter(pk=self.instance.area_id)).distinct()
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["address"].help_text = _("Street address, or the web address or handle for an online venue.")
        if field_entry:
            self.fields["kind"].widget = forms.RadioSelect(choices=VenueKind.choices)
            self.fields["kind"].choices = VenueKind.choices  # type: ignore[attr-defined]


def shift_venue_form(shift: Shift, user: User, data: Any = None) -> VenueForm:
    """The venue added to a shift on the spot: the kind in one tap, the areas in use on the shift's day."""
    return VenueForm(data, user=user, on=timezone.localdate(shift.starts_at), field_entry=True, auto_id="venue_%s")


class NewVenueForm(VenueForm):
    """A new venue: when like venues exist, the user is asked "Did you mean …?" before it is made."""

    confirm_new = forms.BooleanField(
        label=_("None of these: save it as a new venue"), required=False, widget=forms.HiddenInput,
    )

    def venue_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "confirm_new"}

    def ask_to_confirm(self) -> None:
        """Show the confirmation box (after the candidates were offered)."""
        self.fields["confirm_new"].widget = forms.CheckboxInput()


class VenueSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or address"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *VenueKind.choices])


class ShiftFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ShiftStatus.choices])
    basis = forms.ChoiceField(label=_("Basis"), required=False, choices=[("", _("All")), *ShiftBasis.choices])
    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))

    def month_range(self) -> tuple[dt.datetime, dt.datetime] | None:
        month = self.cleaned_data.get("month") if self.is_valid() else None
        if not month:
            return None
        tz = timezone.get_current_timezone()
        end_month = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
        return (
            dt.datetime.combine(month.replace(day=1), dt.time(), tzinfo=tz),
            dt.datetime.combine(end_month, dt.time(), tzinfo=tz),
        )


class OperationForm(forms.ModelForm[Operation]):
    class Meta:
        model = Operation
        fields = ["name", "kind", "description", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The operation must end after it starts."))
        return data


class CalendarForm(forms.Form):
    """The month the calendar shows; out-of-range numbers are refused, never turned into a date."""

    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(min_value=1, max_value=12, required=False)
