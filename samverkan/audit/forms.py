"""The auditor's filter over the audit log."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditAction, AuditEventQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Bounds that keep the day arithmetic below (and the database) away from year 1 and 9999.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def _date_field(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={
                "type": "date",
                "min": EARLIEST_DATE.isoformat(),
                "max": LATEST_DATE.isoformat(),
            },
        ),
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the current time zone (Europe/Stockholm)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEventFilterForm(forms.Form):
    """Every field is optional; an empty form lists everything the auditor may see."""

    user = forms.CharField(
        label=_("Username contains"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All record types")), *RecordType.choices],
    )
    record_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditAction.choices],
    )
    date_from = _date_field(_("From date"))
    date_to = _date_field(_("To date"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(
        self, events: AuditEventQuerySet, *, own_agency: Agency | None = None
    ) -> AuditEventQuerySet:
        """Narrow ``events`` by the valid form's criteria (dates inclusive, local time).

        A username is searched among ``own_agency``'s events only: another agency's readers
        are not named to this auditor, so a search must not tell them apart either.
        """
        data = self.cleaned_data
        if data.get("user"):
            events = events.filter(username__icontains=data["user"])
            if own_agency is not None:
                events = events.filter(agency=own_agency)
        if data.get("record_type"):
            events = events.filter(record_type=data["record_type"])
        if data.get("record_id"):
            events = events.filter(record_id=data["record_id"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("date_from"):
            events = events.filter(timestamp__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            next_day = data["date_to"] + datetime.timedelta(days=1)
            events = events.filter(timestamp__lt=_start_of(next_day))
        return events

    def criteria(self) -> list[tuple[str, str]]:
        """The valid form's criteria in use, each as text a form reads back (dates ISO)."""
        return [
            (name, value.isoformat() if isinstance(value, datetime.date) else str(value))
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        ]

    def summary(self) -> str:
        """The criteria in use, for the audit event that records this search."""
        return "; ".join(f"{name}={text}" for name, text in self.criteria())
