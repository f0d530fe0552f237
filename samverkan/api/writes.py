"""What every write endpoint shares: the pages' forms for validation, ``If-Match`` on updates.

A write binds the page's own form to the request's data, so that the API refuses exactly
what the page refuses, with the same Swedish and English messages, in the one error shape;
the form's cleaned data then goes to the page's own ``do_*`` action.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.forms import apply_errors
from samverkan.api.errors import ApiError

F = TypeVar("F", bound=forms.BaseForm)
# Keys of one user's Idempotency-Key map to one form key (the actions' own duplicate guard).
_FORM_KEYS = uuid.UUID("8f7e2f0e-3b0c-4f57-9a34-6f1b8f7a2c11")


def _details(form: forms.BaseForm) -> list[dict[str, Any]]:
    return [
        {"field": None if name == NON_FIELD_ERRORS else name, "message": " ".join(str(m) for m in errors)}
        for name, errors in form.errors.items()
    ]


def refused(form: forms.BaseForm) -> ApiError:
    return ApiError(422, "invalid", _("The request was refused: see the details."), _details(form))


def cleaned(form: F) -> dict[str, Any]:
    """The form's cleaned data, or a 422 with its errors field by field."""
    if not form.is_valid():
        raise refused(form)
    return form.cleaned_data


def action_refused(form: forms.BaseForm, exc: ValidationError, rename: Mapping[str, str] | None = None) -> ApiError:
    """An action's refusal, put on the form's fields as the page puts it."""
    apply_errors(form, exc, rename)
    return refused(form)


def form_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """A schema's values as a form's data: unset and null fields left out, as an empty page field."""
    return {name: value for name, value in values.items() if value is not None}


def form_key(request: HttpRequest, user: Any) -> uuid.UUID:
    """The form key an action de-duplicates by: fixed by the Idempotency-Key, fresh without one."""
    key = request.headers.get("Idempotency-Key", "")
    return uuid.uuid5(_FORM_KEYS, f"{user.pk}:{key}") if key else uuid.uuid4()


# --- Updates: ETag and If-Match ------------------------------------------------------


def etag(representation: Mapping[str, Any]) -> str:
    """A strong ETag of what the API shows of a record: any change to it changes the tag."""
    text = json.dumps(representation, sort_keys=True, cls=DjangoJSONEncoder)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def check_if_match(request: HttpRequest, current: str) -> None:
    """An update names the version it changes: 428 without ``If-Match``, 412 if it is not the current one."""
    wanted = request.headers.get("If-Match", "").strip()
    if not wanted:
        raise ApiError(
            428, "precondition_required",
            _("Send the record's ETag in an If-Match header: read it first, so that no one else's change is overwritten."),
        )
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    if "*" not in tags and current not in tags:
        raise ApiError(
            412, "precondition_failed",
            _("The record was changed since you read it: read it again and repeat your change."),
        )
