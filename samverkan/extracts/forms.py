"""Forms for register extracts. They check input; the actions decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.extracts.models import SubjectKind
from samverkan.extracts.provisions import provisions_for
from samverkan.support.forms import identity_number_field, issuer_field
from samverkan.support.identifiers import clean_identifier


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


# A primary key's range (BigAutoField): a larger number is no part, not a database error.
MAX_ID = 2**63 - 1


def _today() -> dt.date:
    return timezone.localdate()


class ExtractRequestForm(forms.Form):
    """Who asks: the person's typed identity number, and when the request came in."""

    kind = forms.ChoiceField(label=_("Kind of identity number"), choices=SubjectKind.choices)
    identifier = identity_number_field(required=True)
    issuer = issuer_field()
    received_on = forms.DateField(label=_("Request received"), initial=_today, widget=DateInput())

    def clean_received_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, value = data.get("kind"), data.get("identifier")
        if kind and value:
            try:
                ident = clean_identifier(kind, value, data.get("issuer", ""), today=timezone.localdate())
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    target = {"value": "identifier"}.get(name, name)
                    for error in errors:
                        self.add_error(target if target in self.fields else None, error)
            else:
                data["clean_identifier"] = ident
        return data


class WithholdForm(forms.Form):
    """Withhold one part: the part, the provision among the agency's own, and the reason."""

    part = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    provision = forms.ChoiceField(label=_("Secrecy provision"), choices=())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the file: why secrecy applies towards the person. Not shown in the extract."),
    )

    def __init__(self, *args: Any, agency_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provision"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.value, p.label) for p in provisions_for(agency_kind)]


class PartForm(forms.Form):
    """Which part to put back."""

    part = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class ApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have reviewed every part and marked what secrecy withholds."), required=True
    )
