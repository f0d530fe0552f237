"""The map's filters: every query parameter is read through this form (an invalid one answers 400)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Area, User
from samverkan.operations.models import Shift, Venue, VenueKind

LAYERS = (
    ("venues", _("Venues")),
    ("encounters", _("Encounters (counts per venue)")),
    ("tips", _("Tips")),
    ("networks", _("Networks")),
    ("heat", _("Heat (encounters and tips)")),
)
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366


class MapFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All areas"))
    kind = forms.ChoiceField(label=_("Kind of venue"), required=False, choices=[("", _("All kinds")), *VenueKind.choices])
    layers = forms.MultipleChoiceField(label=_("Layers"), required=False, choices=LAYERS, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        collaborations = user.collaborations()
        used = set(Venue.objects.filter(collaboration__in=collaborations, area__isnull=False).values_list("area", flat=True))
        used |= set(Shift.objects.filter(collaboration__in=collaborations).values_list("area", flat=True).distinct())
        self.fields["area"].queryset = Area.objects.filter(pk__in=used).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS)
        if start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        data["layers"] = data.get("layers") or [value for value, _label in LAYERS]
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes, the end day included."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.cleaned_data["start"], dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.cleaned_data["end"] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return start, end


class PatternFilterForm(MapFilterForm):
    """The week's patterns: the map's filters without its layers."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["layers"]


MAX_SHIFTS = 14


def next_monday(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


class PlanForm(forms.Form):
    """What to propose: the week (any day of it: its Monday), how many shifts, how long."""

    week = forms.DateField(label=_("Week (any day of it)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    shifts = forms.IntegerField(label=_("Number of shifts"), min_value=1, max_value=MAX_SHIFTS, initial=4)
    hours = forms.IntegerField(label=_("Hours per shift"), min_value=2, max_value=12, initial=4)

    def clean_week(self) -> dt.date:
        day: dt.date = self.cleaned_data["week"]
        return day - dt.timedelta(days=day.weekday())

    def week_start(self) -> dt.datetime:
        tz = timezone.get_current_timezone()
        return dt.datetime.combine(self.cleaned_data["week"], dt.time(), tzinfo=tz)


class ProposedShiftForm(forms.Form):
    """One proposed shift as the coordinator wants it: kept or not, moved, its venues changed."""

    include = forms.BooleanField(label=_("Plan this shift"), required=False, initial=True)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=12)
    venues = forms.ModelMultipleChoiceField(
        label=_("Venues to visit"), queryset=Venue.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, areas: Any, venues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["venues"].queryset = venues  # type: ignore[attr-defined]

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        starts = dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"], tzinfo=tz)
        return starts, starts + dt.timedelta(hours=self.cleaned_data["hours"])


ProposedShiftFormSet = forms.formset_factory(ProposedShiftForm, extra=0, max_num=MAX_SHIFTS, validate_max=True)
