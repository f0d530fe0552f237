from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.forms import IdsChoiceField
from samverkan.accounts.models import Area, AreaKind, User
from samverkan.operations.models import Operation
from samverkan.reports.definitions import Filter
from samverkan.reports.exports import CONTENT_TYPES

# The years a report can cover (as ``year``): a period and the one before it stay within dates.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    areas = IdsChoiceField(label=_("Areas"), queryset=Area.objects.none(), required=False)
    operation = forms.ModelChoiceField(label=_("Operation"), queryset=Operation.objects.none(), required=False)
    public = forms.BooleanField(label=_("Public version (small counts protected)"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        collaborations = user.collaborations()
        self.fields["areas"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            agency__collaborations__in=collaborations
        ).exclude(kind=AreaKind.POLICE_DISTRICT).distinct().order_by("kind", "name")
        self.fields["operation"].queryset = Operation.objects.filter(collaboration__in=collaborations)  # type: ignore[attr-defined]
        self.collaboration_ids = frozenset(collaborations.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Choose a date from 2000 to 2100."))
                return data
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both a start and an end date, or a year."))
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        if start and end and (end - start).days > 366 * 10:
            self.add_error("date_to", _("A report covers at most ten years."))
        return data

    def report_filter(self) -> Filter:
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to"):
            start, end = data["date_from"], data["date_to"]
        else:
            year = data.get("year") or timezone.localdate().year - 1
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return Filter(
            start,
            end,
            area_ids=frozenset(a.pk for a in data.get("areas") or []),
            operation_id=data["operation"].pk if data.get("operation") else None,
            collaboration_ids=self.collaboration_ids,
        )


class ExportForm(forms.Form):
    """A download button of the results page: the format, and a key so that a form sent twice starts one job."""

    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[(fmt, fmt) for fmt in CONTENT_TYPES],
        error_messages={
            "required": _("Choose a format: PDF, XLSX, CSV, JSON or text."),
            "invalid_choice": _("Choose a format: PDF, XLSX, CSV, JSON or text."),
        },
    )
    key = forms.UUIDField(required=False, error_messages={"invalid": _("The download form is out of date: reload the page and try again.")})
