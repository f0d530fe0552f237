"""Forms for disclosures. They check input and offer only scoped choices; the actions decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency, User
from samverkan.legal.case_numbers import normalise_case_number, validate_case_number
from samverkan.legal.models import LegalBasis, Offence
from samverkan.legal.provisions import Direction
from samverkan.operations.forms import EncounterChoiceField
from samverkan.operations.models import Encounter, Shift, ShiftStatus
from samverkan.sharing.access import colleagues, readers_in
from samverkan.sharing.gate import Disclosable, registry
from samverkan.sharing.models import DEFAULT_PERIOD, MAX_PERIOD, Reach, RefusalKind

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
# How far back the shift list reaches; older encounters are named from their own page.
SHIFTS_BACK = dt.timedelta(days=365)


class ShiftChoiceField(forms.ModelChoiceField[Shift]):
    def label_from_instance(self, obj: Shift) -> str:
        return str(obj)


class PersonChoiceField(forms.ModelMultipleChoiceField[User]):
    """Persons by name and role (what the other agency may know of the readers of its record)."""

    def label_from_instance(self, obj: User) -> str:
        role = obj.role
        return f"{obj.display_name} ({role.label})" if role is not None else obj.display_name


def _persons_field(label: Any, queryset: QuerySet[User], *, required: bool, help_text: Any) -> PersonChoiceField:
    return PersonChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={
            "required": _("Choose who was told."),
            "invalid_choice": _("Choose persons from the list."),
            "invalid_pk_value": _("Choose persons from the list."),
        },
    )


def _valid_until_field(help_text: Any) -> forms.DateField:
    today = timezone.localdate()
    return forms.DateField(
        label=_("Valid until"),
        required=False,
        initial=today + DEFAULT_PERIOD,
        input_formats=["%Y-%m-%d"],
        help_text=help_text,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={
                "type": "date",
                "min": today.isoformat(),
                "max": (today + MAX_PERIOD).isoformat(),
            },
        ),
    )


PERIOD_HELP = _(
    "The last day the disclosure may be read; then it lapses. At most a year from today; "
    "left empty, 90 days."
)


class BasisChoiceField(forms.ModelChoiceField[LegalBasis]):
    def label_from_instance(self, obj: LegalBasis) -> str:
        return obj.label


class OffenceChoiceField(forms.ModelChoiceField[Offence]):
    def label_from_instance(self, obj: Offence) -> str:
        return str(obj)


def recent_shifts(user: User) -> QuerySet[Shift]:
    since = timezone.now() - SHIFTS_BACK
    return (
        Shift.objects.visible_to(user)
        .exclude(status=ShiftStatus.CANCELLED)
        .filter(starts_at__gte=since)
        .select_related("area")
        .order_by("-starts_at")
    )


def other_agencies(user: User, kind: str) -> QuerySet[Agency]:
    """Agencies of ``kind`` that share a collaboration with the user's agency."""
    agencies = Agency.objects.filter(kind=kind, collaborations__in=user.collaborations())
    own = user.agency
    if own is not None:
        agencies = agencies.exclude(pk=own.pk)
    return agencies.distinct().order_by("name")


class DecisionForm(forms.Form):
    """Which of the decision page's two forms was sent."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])


class StartForm(forms.Form):
    """The first step (GET): what kind of record, and on which shift the person was met."""

    record_type = forms.ChoiceField(
        label=_("Which record"),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a kind of record from the list.")},
    )
    shift = ShiftChoiceField(
        label=_("Shift"),
        required=False,
        queryset=Shift.objects.none(),
        empty_label=_("No shift: I have a case number"),
        help_text=_("The shift where the person was met; their encounters are offered next."),
        error_messages={"invalid_choice": _("Choose a shift from the list.")},
    )

    def __init__(self, *args: Any, user: User, record_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(rt, registry()[rt].record_type.label) for rt in record_types]
        self.fields["record_type"].choices = choices  # type: ignore[attr-defined]
        self.fields["shift"].queryset = recent_shifts(user)  # type: ignore[attr-defined]


class _SubjectForm(forms.Form):
    """The record named by an encounter (on a shift) or a case number, and the fields."""

    record_type = forms.CharField(widget=forms.HiddenInput)
    encounter = EncounterChoiceField(
        label=_("Encounter"),
        required=False,
        queryset=Encounter.objects.none(),
        empty_label=_("Not by an encounter"),
        error_messages={"invalid_choice": _("Choose an encounter from the list.")},
    )
    case_number = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=24,
        help_text=_("For example K123456-21."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    field_names = forms.MultipleChoiceField(
        label=_("Fields"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one field."),
            "invalid_choice": _("Choose fields from the list."),
        },
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        registered: Disclosable[Any],
        shift: Shift | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registered = registered
        self.fields["record_type"].initial = registered.record_type
        encounters = Encounter.objects.visible_to(user).select_related("venue")
        self.fields["encounter"].queryset = (  # type: ignore[attr-defined]
            encounters.filter(shift=shift).order_by("occurred_at", "pk")
            if shift is not None
            else encounters.none()
        )
        if shift is None:
            del self.fields["encounter"]
        if not registered.by_case_number:
            del self.fields["case_number"]
        self.fields["field_names"].choices = [(f.name, f.label) for f in registered.fields]  # type: ignore[attr-defined]

    def clean_record_type(self) -> str:
        value: str = self.cleaned_data["record_type"]
        if value != self.registered.record_type:
            raise forms.ValidationError(_("Start again: the kind of record changed."))
        return value

    def clean_case_number(self) -> str:
        number = normalise_case_number(self.cleaned_data.get("case_number") or "")
        if number:
            validate_case_number(number)
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_encounter = data.get("encounter") is not None
        has_number = bool(data.get("case_number"))
        if "encounter" in self.errors or "case_number" in self.errors:
            return data
        if has_encounter and has_number:
            raise forms.ValidationError(
                _("Name the record either by an encounter or by a case number, not both.")
            )
        if self.requires_subject() and not (has_encounter or has_number):
            raise forms.ValidationError(self.missing_subject_message())
        return data

    def requires_subject(self) -> bool:
        return True

    def missing_subject_message(self) -> Any:
        if "case_number" in self.fields:
            return _("Choose the encounter, or enter the case number.")
        return _("Choose the encounter.")


class AgencyChoiceField(forms.ModelChoiceField[Agency]):
    """An agency from the list; when there is only one, it is chosen without asking."""

    def clean(self, value: Any) -> Agency | None:
        if value in self.empty_values and self.queryset is not None and len(self.queryset) == 1:
            only: Agency = self.queryset[0]
            return only
        agency: Agency | None = super().clean(value)
        return agency


def _agency_field(label: Any, queryset: QuerySet[Agency]) -> AgencyChoiceField:
    field = AgencyChoiceField(
        label=label,
        queryset=queryset,
        error_messages={"invalid_choice": _("Choose an agency from the list.")},
    )
    if len(queryset) == 1:
        field.initial = queryset[0].pk
        field.widget = forms.HiddenInput()
    return field


def _offence_field(help_text: Any) -> OffenceChoiceField:
    return OffenceChoiceField(
        label=_("Suspected offence"),
        required=False,
        queryset=Offence.objects.all(),
        empty_label=_("Not about a suspected offence"),
        help_text=help_text,
        error_messages={"invalid_choice": _("Choose an offence from the list.")},
    )


class RequestForm(_SubjectForm):
    owning_agency = forms.ModelChoiceField(label=_("Ask"), queryset=Agency.objects.none())
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=2000,
        help_text=_("What the information is needed for. The other agency's decision rests on it."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = [
        "owning_agency",
        "encounter",
        "case_number",
        "field_names",
        "offence",
        "purpose",
        "colleagues",
    ]

    def __init__(
        self, *args: Any, user: User, registered: Disclosable[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, registered=registered, **kwargs)
        self.fields["owning_agency"] = _agency_field(
            _("Ask"), other_agencies(user, registered.owner_kind)
        )
        self.fields["colleagues"] = _persons_field(
            _("Colleagues on the same case"),
            colleagues(user, registered.record_type),
            required=False,
            help_text=_(
                "Only you and the colleagues you name here will read what is disclosed, "
                "and the other agency may leave some of them out. Nobody else of your agency will."
            ),
        )
        if registered.direction == Direction.TO_POLICE:
            self.fields["offence"] = _offence_field(
                _("Social services may disclose some information only for certain offences.")
            )
        self.order_fields(self.field_order)


class OralForm(_SubjectForm):
    requesting_agency = forms.ModelChoiceField(label=_("Told to"), queryset=Agency.objects.none())
    recipient_name = forms.CharField(
        label=_("Name of the person told"), required=False, max_length=200
    )
    occurred_at = forms.DateTimeField(
        label=_("When it was said"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
        widget=forms.DateTimeInput(format=DATETIME_INPUT, attrs={"type": "datetime-local"}),
    )
    record = forms.IntegerField(label=_("Record"), required=False, widget=forms.HiddenInput)
    legal_basis = BasisChoiceField(
        label=_("Legal basis"),
        queryset=LegalBasis.objects.none(),
        error_messages={"invalid_choice": _("Choose a legal basis from the list.")},
    )
    purpose = forms.CharField(
        label=_("What it was needed for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assessment = forms.CharField(
        label=_("Secrecy assessment"),
        max_length=4000,
        help_text=_("Why the disclosure was allowed, as assessed when it was made."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = [
        "requesting_agency",
        "recipients",
        "recipient_name",
        "valid_until",
        "occurred_at",
        "encounter",
        "case_number",
        "record",
        "field_names",
        "legal_basis",
        "offence",
        "purpose",
        "assessment",
    ]

    def __init__(
        self,
        *args: Any,
        user: User,
        registered: Disclosable[Any],
        records: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, user=user, registered=registered, **kwargs)
        other = "police" if registered.direction == Direction.TO_POLICE else "social_services"
        agencies = other_agencies(user, other)
        self.fields["requesting_agency"] = _agency_field(_("Told to"), agencies)
        readers = User.objects.none()
        for agency in agencies:
            readers = readers | readers_in(agency, registered.record_type)
        self.fields["recipients"] = _persons_field(
            _("Persons told"),
            readers.order_by("first_name", "last_name", "username"),
            required=True,
            help_text=_("They, and nobody else of their agency, read it in the system."),
        )
        self.fields["valid_until"] = _valid_until_field(PERIOD_HELP)
        self.fields["legal_basis"].queryset = LegalBasis.objects.for_direction(  # type: ignore[attr-defined]
            registered.direction
        )
        if registered.direction == Direction.TO_POLICE:
            self.fields["offence"] = _offence_field(
                _("Needed when the basis covers only certain offences.")
            )
        if records:
            self.fields["record"].widget = forms.RadioSelect(choices=records)
        self.order_fields(self.field_order)

    def requires_subject(self) -> bool:
        # A record chosen directly (from its own page) needs no encounter or case number.
        return not (self.data.get(self.add_prefix("record")) or self.initial.get("record"))

    def clean_occurred_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["occurred_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("The time cannot be in the future."))
        return value


class ApproveForm(forms.Form):
    record = forms.TypedChoiceField(
        label=_("The record"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the record to disclose."),
            "invalid_choice": _("Choose one of the records the request names."),
        },
    )
    field_names = forms.MultipleChoiceField(
        label=_("Fields to disclose"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what was asked for, and only what the basis allows."),
        error_messages={
            "required": _("Choose at least one field."),
            "invalid_choice": _("Only fields that were asked for can be granted."),
        },
    )
    legal_basis = BasisChoiceField(
        label=_("Legal basis"),
        queryset=LegalBasis.objects.none(),
        error_messages={"invalid_choice": _("Choose a legal basis from the list.")},
    )
    assessment = forms.CharField(
        label=_("Secrecy assessment"),
        max_length=4000,
        help_text=_(
            "Why the disclosure is allowed. Kept with the decision; not sent to the requester."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(
        self,
        *args: Any,
        registered: Disclosable[Any],
        requested: list[str],
        records: list[tuple[int, str]],
        named: QuerySet[User] | None = None,
        requester: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        named = named if named is not None else User.objects.none()
        self.fields["recipients"] = _persons_field(
            _("Who reads it"),
            named,
            required=False,
            help_text=_(
                "The requester and the colleagues they named. Leave out anyone who does not "
                "need it; the requester always reads it."
            ),
        )
        self.fields["recipients"].initial = [u.pk for u in named]
        membership = requester.membership if requester is not None else None
        unit = membership.unit if membership is not None else ""
        reach_choices: list[tuple[str, Any]] = [(Reach.PERSONS.value, Reach.PERSONS.label)]
        if unit:
            reach_choices.append(
                (Reach.UNIT.value, _("Everyone of the requester's unit (%(unit)s)") % {"unit": unit})
            )
        self.fields["reach"] = forms.TypedChoiceField(
            label=_("The disclosure reaches"),
            choices=reach_choices,
            required=False,
            empty_value=Reach.PERSONS.value,
            initial=Reach.PERSONS.value,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Choose who the disclosure reaches.")},
        )
        self.fields["valid_until"] = _valid_until_field(PERIOD_HELP)
        self.fields["record"].choices = records  # type: ignore[attr-defined]
        if len(records) == 1:
            self.fields["record"].initial = records[0][0]
        self.fields["field_names"].choices = [  # type: ignore[attr-defined]
            (f.name, f.label) for f in registered.fields if f.name in requested
        ]
        self.fields["field_names"].initial = list(requested)
        self.fields["legal_basis"].queryset = LegalBasis.objects.for_direction(  # type: ignore[attr-defined]
            registered.direction
        )
        if registered.direction == Direction.TO_POLICE:
            self.fields["offence"] = _offence_field(
                _("The offence the suspicion concerns, as you assess it.")
            )


class RefuseForm(forms.Form):
    refusal_kind = forms.ChoiceField(
        label=_("Why"),
        choices=RefusalKind.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose why the request is refused.")},
    )
    reason = forms.CharField(
        label=_("Explanation to the requester"),
        required=False,
        max_length=2000,
        help_text=_("Required unless there is no record to disclose."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
