"""Forms for social services' records. They check input; the actions decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.lib.identity import RESERVE_MAX_LENGTH
from samverkan.operations.models import Encounter, Shift
from samverkan.support.identifiers import ISSUER_MAX_LENGTH, clean_identifier
from samverkan.support.models import (
    MAX_AGE,
    AgeBasis,
    Client,
    ConcernDecision,
    ConsentGiver,
    ConsentScope,
    IdentifierKind,
    ReferralStatus,
    SupportActionKind,
    SupportUnit,
)


def identity_number_field(*, required: bool) -> forms.CharField:
    """A typed identity number as a person gives it (personnummer, samordningsnummer, reserve)."""
    return forms.CharField(
        label=_("Identity number"),
        required=required,
        max_length=RESERVE_MAX_LENGTH + 10,
        help_text=_("YYYYMMDD-NNNN or YYMMDD-NNNN."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def issuer_field() -> forms.CharField:
    """Who issued a reserve number."""
    return forms.CharField(
        label=_("Issued by"),
        required=False,
        max_length=ISSUER_MAX_LENGTH,
        help_text=_("For a reserve number: the region, municipality or agency."),
    )

class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _today() -> dt.date:
    return timezone.localdate()


def _now() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class IdentifierFieldsMixin(forms.Form):
    """Kind, number and issuer, checked together; adds ``identifier`` to the cleaned data."""

    identifier_kind = forms.ChoiceField(
        label=_("Kind of identity number"),
        choices=[
            (IdentifierKind.NONE, _("None known")),
            (IdentifierKind.PERSONNUMMER, IdentifierKind.PERSONNUMMER.label),
            (IdentifierKind.SAMORDNINGSNUMMER, IdentifierKind.SAMORDNINGSNUMMER.label),
            (IdentifierKind.RESERVE, IdentifierKind.RESERVE.label),
        ],
        initial=IdentifierKind.NONE,
    )
    identifier = identity_number_field(required=False)
    issuer = issuer_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("identifier_kind")
        if kind is None or "identifier" not in data or "issuer" not in data:
            return data
        value = data["identifier"]
        if kind != IdentifierKind.NONE and not value.strip():
            self.add_error("identifier", _("Enter the number, or choose 'None known'."))
            return data
        try:
            data["clean_identifier"] = clean_identifier(
                kind, value, data["issuer"], today=timezone.localdate()
            )
        except forms.ValidationError as exc:
            mapping = {"value": "identifier", "kind": "identifier_kind", "issuer": "issuer"}
            for field, errors in exc.message_dict.items():
                self.add_error(mapping.get(field), errors)
        return data


class ClientCreateForm(IdentifierFieldsMixin):
    pseudonym = forms.CharField(
        label=_("Pseudonym"),
        max_length=100,
        help_text=_("What you call the person in your work."),
    )
    stated_age = forms.IntegerField(
        label=_("Stated age"), required=False, min_value=0, max_value=MAX_AGE
    )
    language = forms.CharField(label=_("Language"), required=False, max_length=100)
    contact = forms.CharField(
        label=_("Contact"),
        required=False,
        max_length=200,
        help_text=_("How to reach the person, briefly."),
    )
    protected_identity = forms.BooleanField(
        label=_("Protected personal data"),
        required=False,
        help_text=_("Identity numbers and contact are then shown on the client's own page only."),
    )

    field_order = [
        "pseudonym",
        "identifier_kind",
        "identifier",
        "issuer",
        "stated_age",
        "language",
        "contact",
        "protected_identity",
    ]


class ClientEditForm(forms.ModelForm[Client]):
    class Meta:
        model = Client
        fields = ["pseudonym", "language", "contact", "protected_identity"]


class IdentifierForm(IdentifierFieldsMixin):
    pass


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by pseudonym or identity number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class AgeAssessmentForm(forms.Form):
    basis = forms.ChoiceField(label=_("Based on"), choices=AgeBasis.choices)
    min_years = forms.IntegerField(
        label=_("Age"),
        min_value=0,
        max_value=MAX_AGE,
        help_text=_("For a range, the lowest age."),
    )
    max_years = forms.IntegerField(
        label=_("Highest age"),
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        help_text=_("Only for a range."),
    )
    assessed_on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_years"), data.get("max_years")
        if low is not None and high is not None and high < low:
            self.add_error("max_years", _("The highest age cannot be lower than the lowest."))
        return data


class SupportActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=SupportActionKind.choices)
    happened_on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput())
    encounter = forms.ModelChoiceField(
        label=_("At the encounter"), queryset=Encounter.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["encounter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Encounter.objects.filter(client_link__client=client).select_related(
            "venue"
        )


class UnitChoiceField(forms.ModelChoiceField[SupportUnit]):
    def label_from_instance(self, obj: SupportUnit) -> str:
        """The name, whom the unit serves and its age limit: "KAST Stockholm (sex buyers, 18 and over only)"."""
        details = ", ".join(d for d in (obj.served_label, obj.age_label) if d)
        return f"{obj.name} ({details})" if details else obj.name


class ReferralForm(forms.Form):
    unit = UnitChoiceField(label=_("Refer to"), queryset=SupportUnit.objects.none())
    sent_on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SupportUnit.objects.available_to(client.agency)

    def clean(self) -> dict[str, Any]:
        """A unit that does not serve the client is refused here, as ``do_refer`` would."""
        from samverkan.support.actions import served_refusal

        data = super().clean() or {}
        unit, sent_on = data.get("unit"), data.get("sent_on")
        if unit is not None and sent_on is not None:
            refusal = served_refusal(unit, self.client, sent_on)
            if refusal is not None:
                self.add_error("unit", refusal)
        return data


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (ReferralStatus.RECEIVED, ReferralStatus.RECEIVED.label),
            (ReferralStatus.CLOSED, ReferralStatus.CLOSED.label),
            (ReferralStatus.DECLINED, ReferralStatus.DECLINED.label),
        ],
    )
    on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput())
    reason = forms.CharField(label=_("Reason, if declined"), required=False, max_length=300)


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Consent to"), choices=ConsentScope.choices)
    detail = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=300,
        help_text=_("Which unit or what information; required for 'Other'."),
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGiver.choices)
    given_on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput())

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self) -> dict[str, Any]:
        """A guardian's consent for an adult is refused here, as ``do_record_consent`` would."""
        from samverkan.support.actions import guardian_refusal

        data = super().clean() or {}
        given_by, given_on = data.get("given_by"), data.get("given_on")
        if self.client is not None and given_by and given_on is not None:
            refusal = guardian_refusal(self.client, given_by, given_on)
            if refusal is not None:
                self.add_error("given_by", refusal)
        return data


class EncounterChoiceField(forms.ModelChoiceField[Encounter]):
    def label_from_instance(self, obj: Encounter) -> str:
        return f"{obj}, {obj.venue.name}"


class ShiftChoiceField(forms.ModelChoiceField[Shift]):
    def label_from_instance(self, obj: Shift) -> str:
        return str(obj)


class ShiftPickForm(forms.Form):
    shift = ShiftChoiceField(label=_("Shift"), queryset=Shift.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shift"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Shift.objects.visible_to(user)
            .filter(encounters__isnull=False)
            .distinct()
            .select_related("area")
            .order_by("-starts_at")
        )


class EncounterLinkForm(forms.Form):
    encounter = EncounterChoiceField(
        label=_("Encounter"), queryset=Encounter.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, user: Any, shift: Shift | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Encounter.objects.visible_to(user).filter(client_link__isnull=True)
        if shift is not None:
            qs = qs.filter(shift=shift)
        field = self.fields["encounter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = qs.select_related("venue").order_by("-occurred_at", "-pk")


# --- Child-concern reports ---------------------------------------------------------


class ProtectionForm(forms.Form):
    assessment = forms.CharField(
        label=_("Protection assessment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Is the child in need of immediate protection?"),
    )
    assessed_at = forms.DateTimeField(label=_("Time"), initial=_now, widget=DateTimeInput())


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ConcernDecision.choices, widget=forms.RadioSelect
    )
    decided_at = forms.DateTimeField(label=_("Time"), initial=_now, widget=DateTimeInput())


class FinishInvestigationForm(forms.Form):
    finished_at = forms.DateTimeField(
        label=_("Investigation finished"), initial=_now, widget=DateTimeInput()
    )


class ClientChoiceField(forms.ModelChoiceField[Client]):
    def label_from_instance(self, obj: Client) -> str:
        return obj.pseudonym


class ConcernClientForm(forms.Form):
    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none())

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["client"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clients


class CloseConcernForm(forms.Form):
    closure_reason = forms.CharField(
        label=_("Reason for closing without a referral"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless the child has been referred to support."),
    )


# --- The work list of encounters not linked to a client -------------------------------


class WorkListPageForm(forms.Form):
    """The page of the work list: a whole number, or the first page."""

    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class LinkToClientForm(forms.Form):
    """Link the encounter to one of the agency's clients, found by a search on the same page."""

    client = forms.ModelChoiceField(queryset=Client.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["client"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clients


class UnidentifiedForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the person cannot be identified"),
        max_length=300,
        help_text=_("For example: left before contact, declined to say who they are."),
    )
