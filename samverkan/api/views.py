"""A user's personal API tokens: create (the secret is shown once), see their last use, revoke."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from samverkan.accounts.access import signed_in
from samverkan.accounts.forms import apply_errors
from samverkan.api.actions import do_create_token, do_revoke_token
from samverkan.api.models import DEFAULT_LIFETIME, MAX_LIFETIME, ApiToken

TEMPLATE = "api/tokens.html"


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What uses the token, e.g. “the case system's nightly import”."))
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=MAX_LIFETIME.days, initial=DEFAULT_LIFETIME.days,
    )


def _page(request: HttpRequest, form: TokenForm, *, secret: str = "", status: int = 200) -> HttpResponse:
    user = signed_in(request)
    if user.membership is None:
        raise Http404
    tokens = ApiToken.objects.filter(user=user)[:50]
    return render(request, TEMPLATE, {"form": form, "tokens": tokens, "secret": secret}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, secret = do_create_token(
            acting_user=signed_in(request), name=form.cleaned_data["name"], lifetime=dt.timedelta(days=form.cleaned_data["days"]),
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return _page(request, form, status=400)
    # Shown on this answer only, never stored in clear and never redirected through a URL.
    return _page(request, TokenForm(), secret=secret)


@require_POST
@login_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404
    do_revoke_token(token, acting_user=user)
    messages.success(request, _("The token is revoked."))
    return redirect("api:tokens")
