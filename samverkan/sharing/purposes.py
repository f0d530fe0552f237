"""Why a secret record is read: asked before the content is shown, kept in the read's audit event.

Reading a record of the other agency (a disclosed read) or a client with
protected personal data asks the reader for a purpose first; without one the
page shows the question and nothing of the record. The purpose is remembered
in the session for the same user and record for ``REMEMBER`` (an hour), so
that every page view does not ask again; each read's event carries it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from samverkan.accounts.access import signed_in
from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.sharing import gate

PURPOSE_MAX = 300  # the audit event's purpose column
REMEMBER = dt.timedelta(hours=1)
SESSION_KEY = "read_purposes"
# At most this many purposes are kept in a session; the oldest go first.
KEEP = 50
# Record types with a page of their own that asks for a purpose (found through the gate's registry).
PROMPTED = (RecordType.CLIENT, RecordType.CRIME_REPORT, RecordType.SUSPECT)


def _key(user: User, record_type: str, pk: int) -> str:
    return f"{user.pk}:{record_type}:{pk}"


def remembered(request: HttpRequest, record_type: str, pk: int) -> str:
    """The purpose the user gave for this record within the last hour, or ""."""
    user = signed_in(request)
    stored = request.session.get(SESSION_KEY, {})
    found = stored.get(_key(user, str(record_type), pk)) if isinstance(stored, dict) else None
    if not isinstance(found, list) or len(found) != 2:
        return ""
    text, until = found
    try:
        expires = dt.datetime.fromisoformat(until)
    except (TypeError, ValueError):
        return ""
    return str(text) if timezone.now() < expires else ""


def remember(request: HttpRequest, record_type: str, pk: int, purpose: str) -> None:
    user = signed_in(request)
    now = timezone.now()
    stored = request.session.get(SESSION_KEY, {})
    if not isinstance(stored, dict):
        stored = {}
    kept = {
        key: value
        for key, value in stored.items()
        if isinstance(value, list) and len(value) == 2 and str(value[1]) > now.isoformat()
    }
    kept[_key(user, str(record_type), pk)] = [purpose, (now + REMEMBER).isoformat()]
    newest = sorted(kept.items(), key=lambda item: str(item[1][1]))[-KEEP:]
    request.session[SESSION_KEY] = dict(newest)


class PurposeForm(forms.Form):
    record_type = forms.ChoiceField(
        choices=[(str(rt), rt.label) for rt in PROMPTED], widget=forms.HiddenInput
    )
    record = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    purpose = forms.CharField(
        label=_("Purpose of reading"),
        max_length=PURPOSE_MAX,
        help_text=_(
            "Why you need to read this record now, for example the case or the task. "
            "It is written in the log that the record's owner reviews."
        ),
        error_messages={
            "required": _("Say why you need to read the record."),
            "max_length": _("Keep it to %(limit_value)d characters."),
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": PURPOSE_MAX}),
    )

    def clean_purpose(self) -> str:
        text: str = self.cleaned_data["purpose"].strip()
        if "\x00" in text:
            raise forms.ValidationError(_("Say why you need to read the record."))
        return text


def prompt(
    request: HttpRequest,
    record_type: str,
    pk: int,
    *,
    form: PurposeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The question, instead of the record: nothing of it is shown until a purpose is given."""
    form = form or PurposeForm(initial={"record_type": str(record_type), "record": pk})
    context = {"form": form}
    response = render(request, "sharing/purpose.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Read:
    projection: gate.Projection
    purpose: str


def disclosed_read(request: HttpRequest, record_type: RecordType, pk: int) -> Read | HttpResponse:
    """A disclosed record's page: 404 if not granted, the question without a purpose, else the
    projection (the read audited with the purpose)."""
    user = signed_in(request)
    purpose = remembered(request, record_type, pk)
    try:
        projection = gate.read(user, record_type, pk, purpose=purpose)
    except gate.PurposeRequired:
        return prompt(request, record_type, pk)
    return Read(projection, purpose)


@require_POST
@login_required
def give_purpose(request: HttpRequest) -> HttpResponse:
    """Remember the purpose, then back to the record's page (which checks access itself)."""
    form = PurposeForm(request.POST)
    if not form.is_valid():
        # The form keeps the fields it could clean: the purpose is what was wrong, so ask again;
        # without a valid record to return to there is no page to ask on.
        record_type, pk = form.cleaned_data.get("record_type"), form.cleaned_data.get("record")
        if record_type is None or pk is None:
            raise Http404
        return prompt(request, record_type, pk, form=form, status=400)
    record_type = form.cleaned_data["record_type"]
    pk = form.cleaned_data["record"]
    remember(request, record_type, pk, form.cleaned_data["purpose"])
    url = gate.record_url(record_type, None, pk)
    if url is None:
        raise Http404
    return redirect(url)
