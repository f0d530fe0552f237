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
