"""Forms for tips, intelligence items, imports and networks. Choices are scoped to the user."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.forms import IdsChoiceField
from samverkan.accounts.models import Collaboration, User
from samverkan.intel.importing import SUFFIXES
from samverkan.intel.models import (
    IndicatorStatus,
    ItemKind,
    Network,
    Relevance,
    SourceType,
    TipStatus,
    Urgency,
)
from samverkan.operations.forms import DateTimeLocalInput, _areas_for, ends_after_start
from samverkan.operations.models import Operation, Shift, ShiftStatus, Venue, VenueKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _blank(label: Any, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class CollaborationField(forms.ModelChoiceField[Collaboration]):
    pass


def _collaboration_field(user: User) -> CollaborationField:
    return CollaborationField(
        label=_("Collaboration"),
        queryset=user.collaborations().order_by("name"),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a collaboration from the list.")},
    )


class TipForm(forms.Form):
    collaboration = forms.ModelChoiceField(label=_("Collaboration"), queryset=Collaboration.objects.none())
    what = forms.CharField(
        label=_("What"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was seen or heard. Keep the source's identity for the fields below."),
    )
    where = forms.CharField(label=_("Where"), max_length=300, required=False, help_text=_("An address, a place or a web address."))
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    venue_kind = forms.ChoiceField(label=_("Kind of venue"), required=False, choices=_blank(_("Not known"), VenueKind.choices))
    observed_at = forms.DateTimeField(
        label=_("When"), required=False, input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput(),
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
    )
    when_text = forms.CharField(label=_("When, in words"), max_length=200, required=False, help_text=_("For example: weekday evenings since March."))
    source_type = forms.ChoiceField(label=_("Kind of source"), choices=SourceType.choices)
    source_name = forms.CharField(label=_("Source's name"), max_length=200, required=False)
    source_contact = forms.CharField(label=_("How to reach the source"), max_length=300, required=False)
    source_relation = forms.CharField(label=_("How the source knows"), max_length=500, required=False)
    wants_anonymity = forms.BooleanField(label=_("The source asked not to be named"), required=False)
    # Asked of social services' staff only (see __init__).
    no_identifiable_person = forms.BooleanField(
        label=_("The tip contains no information about an identifiable person"),
        help_text=_(
            "No name, personal identity number, contact details, picture or description by which someone "
            "can be recognised, and nothing from a client's file."
        ),
        error_messages={
            "required": _(
                "Confirm that the tip contains no information about an identifiable person. To hand over "
                "information about a person, record a disclosure instead."
            )
        },
    )

    SOURCE_FIELDS = ("source_name", "source_contact", "source_relation", "wants_anonymity")
    CONFIRMATION = "no_identifiable_person"

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collaboration"] = _collaboration_field(user)
        # What social services know about a person is secret (OSL 26:1): it reaches the police
        # only as a disclosure, with a secrecy assessment and a legal basis, never as a tip.
        self.from_social_services = bool(user.agency and not user.agency.is_police)
        if not self.from_social_services:
            del self.fields[self.CONFIRMATION]

    @classmethod
    def tip_data(cls, cleaned: dict[str, Any]) -> dict[str, Any]:
        """The cleaned data for ``do_submit_tip`` (the confirmation is the form's, not the tip's)."""
        return {k: v for k, v in cleaned.items() if k != cls.CONFIRMATION}

    def source_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SOURCE_FIELDS]

    def tip_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in (*self.SOURCE_FIELDS, self.CONFIRMATION)]

    def confirmation_field(self) -> forms.BoundField | None:
        return self[self.CONFIRMATION] if self.CONFIRMATION in self.fields else None


class TipFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(_("All open"), TipStatus.choices))


class AssessTipForm(forms.Form):
    relevance = forms.ChoiceField(label=_("Relevance"), choices=Relevance.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    assessment = forms.CharField(label=_("Assessment"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LinkTipForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    operation = forms.ModelChoiceField(label=_("Operation"), queryset=Operation.objects.none(), required=False)
    shift = forms.ModelChoiceField(label=_("Shift"), queryset=Shift.objects.none(), required=False)
    network = forms.ModelChoiceField(label=_("Network"), queryset=Network.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, collaboration: Collaboration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.visible_to(user).filter(collaboration=collaboration)  # type: ignore[attr-defined]
        self.fields["operation"].queryset = Operation.objects.filter(collaboration=collaboration)  # type: ignore[attr-defined]
        self.fields["shift"].queryset = (  # type: ignore[attr-defined]
            Shift.objects.visible_to(user)
            .filter(collaboration=collaboration, status__in=[ShiftStatus.PLANNED, ShiftStatus.ONGOING])
            .select_related("area")
        )
        self.fields["network"].queryset = Network.objects.visible_to(user).active().ranked()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ("venue", "operation", "shift", "network")):
            raise forms.ValidationError(_("Choose what to link the tip to."))
        return data


class CloseTipForm(forms.Form):
    note = forms.CharField(label=_("Why the tip is closed"), max_length=500)


class SourcePurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need to know who the source is?"),
        max_length=300,
        help_text=_("Recorded in the audit log with your name."),
    )


class ShiftPlanForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Collaboration.objects.none())
    starts_at = forms.DateTimeField(label=_("Starts"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Ends"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())
    briefing = forms.CharField(
        label=_("Briefing"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the shift is about. Do not write names or other identities here."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas_for(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        return ends_after_start(self, super().clean() or {})


class TipShiftForm(ShiftPlanForm):
    planned_venues = IdsChoiceField(
        label=_("Venues"), queryset=Venue.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: User, collaboration: Collaboration, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["planned_venues"].queryset = Venue.objects.visible_to(user).filter(collaboration=collaboration)  # type: ignore[attr-defined]


class NetworkShiftForm(ShiftPlanForm):
    collaboration = forms.ModelChoiceField(label=_("Collaboration"), queryset=Collaboration.objects.none())
    venues = forms.MultipleChoiceField(
        label=_("Venues to visit"), choices=[], widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Existing venues where the network's items place it come first. A new venue is made only for a place you tick."),
    )
    outside_areas = forms.BooleanField(
        label=_("Venues outside the collaboration's areas may be created"), required=False,
    )

    field_order = ["collaboration", "area", "starts_at", "ends_at", "venues", "outside_areas", "briefing"]

    def __init__(self, *args: Any, user: User, venues: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["collaboration"] = _collaboration_field(user)
        self.fields["venues"].choices = venues  # type: ignore[attr-defined]
        self.order_fields(self.field_order)


class NetworkTipForm(forms.Form):
    collaboration = forms.ModelChoiceField(label=_("Collaboration"), queryset=Collaboration.objects.none())
    what = forms.CharField(label=_("What"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collaboration"] = _collaboration_field(user)


class _LinesField(forms.CharField):
    """One value a line (or separated by commas) → a list of strings."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [p.strip() for line in text.splitlines() for p in line.split(",")]
        return [p for p in parts if p]


class IntelItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(ItemKind.AD, ItemKind.AD.label), (ItemKind.OBSERVATION, ItemKind.OBSERVATION.label)])
    observed_at = forms.DateTimeField(label=_("Observed"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())
    source = forms.CharField(label=_("Source"), max_length=200, required=False, help_text=_("Where it was found, e.g. the site of the ad."))
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    text = forms.CharField(label=_("Text"), max_length=20_000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    phones = _LinesField(label=_("Phone numbers"), required=False, help_text=_("One a line."))
    emails = _LinesField(label=_("E-mail addresses"), required=False, help_text=_("One a line."))
    urls = _LinesField(label=_("Web addresses"), required=False, help_text=_("One a line."))
    handles = _LinesField(label=_("Account handles"), required=False, help_text=_("One a line."))
    names = _LinesField(label=_("Names"), required=False, help_text=_("Names used in the ad, one a line."))
    image_hashes = _LinesField(label=_("Image hashes"), required=False, help_text=_("One a line."))
    age = forms.IntegerField(label=_("Stated age"), required=False, min_value=0, max_value=120)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    venue_kind = forms.ChoiceField(label=_("Kind of venue"), required=False, choices=_blank(_("Not known"), VenueKind.choices))

    def record(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["observed_at"] = data["observed_at"].isoformat()
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("JSON Lines (.jsonl), CSV (.csv) or Parquet (.parquet), one item per record, at most 50 MB."),
    )
    strict = forms.BooleanField(
        label=_("Refuse the whole file if any record is invalid"), required=False,
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding"),
        required=False,
        choices=[
            ("", _("Recognise (UTF-8 or UTF-16)")),
            ("windows-1252", "Windows-1252"),
            ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
            ("iso-8859-15", "ISO-8859-15 (Latin-9)"),
            ("mac-roman", "Mac Roman"),
        ],
        help_text=_("For CSV and JSON Lines. Leave it to be recognised unless the file was saved in an older encoding."),
    )
    # The form's own id: the same form sent twice starts one import, not two.
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        return str(key) if key else ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Choose a .jsonl, .csv or .parquet file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; import it with manage.py import_intel."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class NetworkFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=200,
        help_text=_("A network id, or a phone number, e-mail, name or other identifier in it."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    indicator = forms.ChoiceField(label=_("Indicator"), required=False, choices=[])
    min_size = forms.IntegerField(label=_("At least this many items"), required=False, min_value=1, max_value=1_000_000)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Rank")), ("size", _("Size")), ("growth", _("Growth")), ("cities", _("Cities"))],
    )

    ORDERINGS = {
        "size": ("-item_count", "key"),
        "growth": ("-recent_count", "previous_count", "key"),
        "cities": ("-city_count", "-item_count", "key"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from samverkan.intel.models import IndicatorKind

        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = _blank(_("Any"), IndicatorKind.choices)  # type: ignore[attr-defined]


class IndicatorReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What did the review find?"),
        choices=[
            (IndicatorStatus.CONFIRMED, _("Worth acting on")),
            (IndicatorStatus.DISMISSED, _("Not supported by the evidence")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What the review was based on"), max_length=500)


class ListSearchForm(forms.Form):
    """The search box of a list: at most 200 characters, no NUL byte (Django's own validator)."""

    q = forms.CharField(max_length=200, required=False)
