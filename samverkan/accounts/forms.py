from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class NextForm(forms.Form):
    """The login page's ``next`` parameter: where to go after the login (checked again by ``_safe_next``)."""

    next = forms.CharField(required=False, max_length=2000)


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the six digits shown in the app.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"[0-9 ]*",
                "maxlength": "7",
            }
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


class ActivationForm(forms.Form):
    activation_code = forms.CharField(
        label=_("Activation code from your administrator"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


# --- Shared by every app's pages ---------------------------------------------------------


def apply_errors(
    form: forms.BaseForm, exc: ValidationError, rename: Mapping[str, str] | None = None
) -> None:
    """Put an action's errors on the form's fields, or above the form where it has no such field.

    ``rename`` maps a model's field name to the form's, where they differ.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        field = (rename or {}).get(name, name)
        form.add_error(field if field in form.fields else None, errors)


T = TypeVar("T")


def form_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    make_form: Callable[[QueryDict | None], forms.BaseForm],
    write: Callable[[dict[str, Any]], T],
) -> T | HttpResponse:
    """A page with one form whose valid input goes to one action.

    GET shows the form; POST validates it and writes through ``write`` (the
    action), returning its result. A form with errors, or an action that
    refuses with a ValidationError, gives the page again (400) with the errors
    on their fields. The caller returns an ``HttpResponse`` as it comes.
    """
    if request.method != "POST":
        return render(request, template, {**context, "form": make_form(None)})
    form = make_form(request.POST)
    if form.is_valid():
        try:
            return write(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, template, {**context, "form": form}, status=400)


ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")


class IdsChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A choice of several records by integer id: an id no integer column can hold is an invalid
    choice, not a database error (SQLite cannot even bind it)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            text = str(pk).strip()
            if ASCII_INTEGER.fullmatch(text) and not -(2**63) <= int(text) < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:40]}
                )
        return super().clean(value)


# --- Searchable pickers ----------------------------------------------------------------

PICKER_LIMIT = 12
# A choice of more than this many is a searchable picker rather than a dropdown.
PICKER_THRESHOLD = 12


class PickerSearchForm(forms.Form):
    """What was typed into a searchable picker, and the choice made so far (kept among the results).

    POSTed (with the page's form and its CSRF token), so that what is typed, an
    identity number perhaps, never lands in a URL or a log of URLs.

    ``field_name`` is the picked field's name in its own form: the picker's radio
    buttons carry it, so the choice already made comes back with the search.
    """

    q = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, field_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_name = field_name
        self.fields[field_name] = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def selected(self) -> int | None:
        value = self.cleaned_data.get(self.field_name)
        return int(value) if value else None


def picker_results(field: forms.ModelChoiceField[Any], queryset: Any, *, selected: Any = None) -> list[tuple[str, str, bool]]:
    """(value, label, checked) for the picker's radio buttons: the choice made so far first, then the matches."""
    rows: list[tuple[str, str, bool]] = []
    seen: set[Any] = set()
    if selected:
        chosen = field.queryset.filter(pk=selected).first()  # type: ignore[union-attr]
        if chosen is not None:
            rows.append((str(chosen.pk), field.label_from_instance(chosen), True))
            seen.add(chosen.pk)
    for obj in queryset[:PICKER_LIMIT]:
        if obj.pk not in seen:
            rows.append((str(obj.pk), field.label_from_instance(obj), False))
    return rows
