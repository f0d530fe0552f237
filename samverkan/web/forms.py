"""What every app's pages share about forms."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


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
