"""Forms for crime reports, suspects and parties. Choices are always scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Collaboration, User
from samverkan.investigations.models import (
    AgeAwareness,
    CrimeReport,
    CrimeReportStatus,
    PartyKind,
    SuspectConsentGiver,
    SuspectRole,
    TraffickingPurpose,
)
from samverkan.legal.case_numbers import normalise_case_number, validate_case_number
from samverkan.legal.models import Offence
from samverkan.operations.forms import EncounterChoiceField
from samverkan.operations.models import AgeBand, Encounter, EncounterRole, Shift, ShiftStatus, Venue

# Bounds that keep date arithmetic (and the database) away from year 1 and 9999.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
EARLIEST_DATE = dt.date(1900, 1, 1)
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _blank(label: Any, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class OffenceChoiceField(forms.ModelChoiceField[Offence]):
    def label_from_instance(self, obj: Offence) -> str:
        """The current name, and any earlier one: a report is named by the law on its day."""
        earlier = [
            name.name
            for name in obj.names.all()
            if name.valid_to is not None and name.name != obj.name
        ]
        if not earlier:
            return str(obj)
        return _("%(offence)s; earlier: %(names)s") % {
            "offence": obj,
            "names": ", ".join(dict.fromkeys(earlier)),
        }


class StartFromForm(forms.Form):
    """Where a new crime report starts: an encounter or a shift, each an id in range."""

    encounter = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    shift = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class CrimeReportFilterForm(forms.Form):
    """Every field optional; an empty form lists every report the user may see."""

    q = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=24,
        help_text=_("The whole case number or a part of it."),
        widget=forms.TextInput(
            attrs={"type": "search", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("All statuses"), CrimeReportStatus.choices),
    )
    offence = OffenceChoiceField(
        label=_("Offence"),
        required=False,
        queryset=Offence.objects.prefetch_related("names"),
        empty_label=_("All offences"),
        error_messages={"invalid_choice": _("Choose an offence from the list.")},
    )
    year = forms.IntegerField(
        label=_("Year of the offence"),
        required=False,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        error_messages={
            "invalid": _("Enter a year as four digits."),
            "min_value": _("Enter a year from %(limit_value)s on."),
            "max_value": _("Enter a year up to %(limit_value)s."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    # The report field each filter reads, for reports only partly disclosed.
    FILTER_FIELDS = {
        "q": "case_number",
        "status": "status",
        "offence": "offence",
        "year": "committed_at",
    }

    def used_fields(self) -> set[str]:
        return {
            self.FILTER_FIELDS[name]
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }

    def filter(self, reports: Any) -> Any:
        data = self.cleaned_data
        if data.get("q"):
            reports = reports.search(data["q"])
        if data.get("status"):
            reports = reports.filter(status=data["status"])
        if data.get("offence"):
            reports = reports.filter(offence=data["offence"])
        if data.get("year"):
            reports = reports.committed_in_year(data["year"])
        return reports

    def summary(self) -> str:
        parts = []
        for name, value in self.cleaned_data.items():
            if value not in (None, ""):
                parts.append(f"{name}={getattr(value, 'pk', value)}")
        return "; ".join(parts)


class CrimeReportForm(forms.Form):
    collaboration = forms.ModelChoiceField(
        label=_("Collaboration"),
        queryset=Collaboration.objects.none(),
        error_messages={"invalid_choice": _("Choose a collaboration from the list.")},
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=24,
        help_text=_("For example K123456-21."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    offence = OffenceChoiceField(
        label=_("Offence"),
        queryset=Offence.objects.prefetch_related("names"),
        error_messages={"invalid_choice": _("Choose an offence from the list.")},
    )
    committed_at = forms.DateTimeField(
        label=_("Time of the offence"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
        widget=forms.DateTimeInput(format=DATETIME_INPUT, attrs={"type": "datetime-local"}),
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        required=False,
        queryset=Venue.objects.none(),
        error_messages={"invalid_choice": _("Choose a venue from the list.")},
    )
    shift = forms.ModelChoiceField(
        label=_("Shift"),
        required=False,
        queryset=Shift.objects.none(),
        error_messages={"invalid_choice": _("Choose a shift from the list.")},
    )
    narrative = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    buyer_aware_of_age = forms.ChoiceField(
        label=_("Was the buyer aware of the child's age?"),
        required=False,
        choices=_blank(_("Only for BrB 6:9"), AgeAwareness.choices),
        help_text=_("Purchase of a sexual act from a child (BrB 6:9) only."),
    )
    awareness_basis = forms.CharField(
        label=_("Basis for the assessment of awareness"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    trafficking_purpose = forms.ChoiceField(
        label=_("Purpose of the trafficking"),
        required=False,
        choices=_blank(_("Only for human trafficking"), TraffickingPurpose.choices),
        help_text=_("Human trafficking (BrB 4:1 a) only."),
    )
    trafficking_victim_age = forms.ChoiceField(
        label=_("Age of the victim"),
        required=False,
        choices=_blank(_("Only for human trafficking"), AgeBand.choices),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        collaborations = user.collaborations()
        self.fields["collaboration"].queryset = collaborations  # type: ignore[attr-defined]
        if len(collaborations) == 1:
            self.fields["collaboration"].initial = collaborations[0]
            self.fields["collaboration"].widget = forms.HiddenInput()
        self.fields["venue"].queryset = (  # type: ignore[attr-defined]
            Venue.objects.visible_to(user).order_by("name")
        )
        self.fields["shift"].queryset = (  # type: ignore[attr-defined]
            Shift.objects.visible_to(user)
            .exclude(status=ShiftStatus.CANCELLED)
            .select_related("area")
            .order_by("-starts_at")
        )

    def clean_case_number(self) -> str:
        number = normalise_case_number(self.cleaned_data["case_number"])
        validate_case_number(number)
        return number

    def clean_committed_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["committed_at"]
        if timezone.localtime(value).year < EARLIEST_YEAR:
            raise forms.ValidationError(
                _("Check the time of the offence: it is before %(year)s."),
                params={"year": EARLIEST_YEAR},
            )
        if value > timezone.now() + CrimeReport.FUTURE_TOLERANCE:
            raise forms.ValidationError(_("The time of the offence cannot be in the future."))
        return value


def _date_field(label: Any, *, required: bool, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=["%Y-%m-%d"],
        validators=[MinValueValidator(EARLIEST_DATE), MaxValueValidator(dt.date(2999, 12, 31))],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class SuspectIdentityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    personnummer = forms.CharField(
        label=_("Personal identity number"),
        required=False,
        max_length=15,
        help_text=_(
            "YYYYMMDD-NNNN; a co-ordination number is accepted too. Leave empty if the person "
            "has none or it is not known."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = _date_field(
        _("Date of birth"),
        required=False,
        help_text=_("Required when there is no personal identity number."),
    )


class SuspectConsentForm(forms.Form):
    """The suspect's consent that the police tell social services about them (OSL 12 kap. 2 §)."""

    given_by = forms.ChoiceField(label=_("Given by"), choices=SuspectConsentGiver.choices)
    given_on = _date_field(_("Date"), required=True)
    detail = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=300,
        help_text=_("E.g. that KAST may contact the person."),
    )


def encounters_for_report(report: CrimeReport, user: User) -> QuerySet[Encounter]:
    """Encounters the user may see that may belong to the report: its shift's, else its venue's."""
    encounters = Encounter.objects.visible_to(user).filter(collaboration=report.collaboration_id)
    if report.shift_id is not None:
        encounters = encounters.filter(shift=report.shift_id)
    elif report.venue_id is not None:
        encounters = encounters.filter(venue=report.venue_id)
    else:
        day = dt.timedelta(days=1)
        encounters = encounters.filter(
            occurred_at__gte=report.committed_at - day, occurred_at__lte=report.committed_at + day
        )
    return encounters.select_related("venue").order_by("occurred_at", "pk")


class SuspectForm(SuspectIdentityForm):
    role = forms.ChoiceField(label=_("Role"), choices=SuspectRole.choices)
    encounter = EncounterChoiceField(
        label=_("Met on the shift as"),
        required=False,
        queryset=Encounter.objects.none(),
        empty_label=_("Not met on a shift"),
        error_messages={"invalid_choice": _("Choose an encounter from the list.")},
    )

    def __init__(self, *args: Any, report: CrimeReport, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["encounter"].queryset = encounters_for_report(report, user).exclude(  # type: ignore[attr-defined]
            role=EncounterRole.EXPLOITED
        )


class PartyForm(forms.Form):
    encounter = EncounterChoiceField(
        label=_("Encounter"),
        queryset=Encounter.objects.none(),
        error_messages={"invalid_choice": _("Choose an encounter from the list.")},
    )
    kind = forms.ChoiceField(label=_("Party"), choices=PartyKind.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, report: CrimeReport, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["encounter"].queryset = encounters_for_report(report, user)  # type: ignore[attr-defined]
        if report.offence.seller_is_witness:
            self.fields["kind"].initial = PartyKind.WITNESS
            self.fields["kind"].help_text = _(
                "Under BrB 6:11 the person who sold a sexual service is a witness, not an "
                "injured party."
            )


class StatusForm(forms.Form):
    """Any status is accepted here; the action says which transitions are allowed."""

    status = forms.ChoiceField(
        label=_("New status"),
        choices=CrimeReportStatus.choices,
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
