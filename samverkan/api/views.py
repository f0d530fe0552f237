"""A user's personal API tokens: create (the secret is shown once), see their last use, revoke;
and an agency administrator's service accounts for integrations, with their tokens."""

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

from samverkan.accounts.access import require, require_list, signed_in
from samverkan.accounts.forms import apply_errors
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.api.actions import (
    SERVICE_ROLES,
    do_create_service_account,
    do_create_service_token,
    do_create_token,
    do_deactivate_service_account,
    do_revoke_token,
    service_accounts_of,
)
from samverkan.api.models import DEFAULT_LIFETIME, MAX_LIFETIME, ApiToken, ServiceAccount

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
    context = {"form": form, "tokens": tokens, "secret": secret, "administers": can(user, RecordType.USER, Action.CREATE)}
    return render(request, TEMPLATE, context, status=status)


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


# --- Service accounts (the agency's administrator) -----------------------------------

SERVICE_TEMPLATE = "api/service_accounts.html"


class ServiceAccountForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("The system that uses it, e.g. “the case system”."))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=[(r.value, r.label) for r in SERVICE_ROLES])
    description = forms.CharField(label=gettext_lazy("What it is for"), max_length=300, required=False)


def _administrator(request: HttpRequest) -> User:
    """The agency's administrator; for anyone else the page is not there (404, audited)."""
    user = signed_in(request)
    require_list(user, RecordType.USER, Action.LIST)
    require(user, RecordType.USER, Action.CREATE)
    return user


def _services_page(
    request: HttpRequest, *, form: ServiceAccountForm | None = None, token_form: TokenForm | None = None,
    secret: str = "", for_account: ServiceAccount | None = None, status: int = 200,
) -> HttpResponse:
    user = _administrator(request)
    accounts = list(service_accounts_of(user).prefetch_related("user__api_tokens"))
    for account in accounts:
        # One token form per account, each with its own field ids.
        chosen = for_account is not None and account.pk == for_account.pk and token_form is not None
        account.token_form = token_form if chosen else TokenForm(auto_id=f"id_token{account.pk}_%s")  # type: ignore[attr-defined]
    context = {"form": form or ServiceAccountForm(), "accounts": accounts, "secret": secret, "for_account": for_account}
    return render(request, SERVICE_TEMPLATE, context, status=status)


def _account(request: HttpRequest, pk: int) -> tuple[User, ServiceAccount]:
    user = _administrator(request)
    account = service_accounts_of(user).filter(pk=pk).first()
    if account is None:
        raise Http404
    return user, account


@require_http_methods(["GET", "POST"])
@login_required
def service_accounts(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _services_page(request)
    user = _administrator(request)
    form = ServiceAccountForm(request.POST)
    if form.is_valid():
        try:
            do_create_service_account(acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The service account is created; create a token for it below."))
            return redirect("api:service_accounts")
    return _services_page(request, form=form, status=400)


@require_POST
@login_required
def service_token(request: HttpRequest, pk: int) -> HttpResponse:
    user, account = _account(request, pk)
    form = TokenForm(request.POST, auto_id=f"id_token{account.pk}_%s")
    if form.is_valid():
        try:
            _token, secret = do_create_service_token(
                account, acting_user=user, name=form.cleaned_data["name"], lifetime=dt.timedelta(days=form.cleaned_data["days"]),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Shown on this answer only, as a personal token.
            return _services_page(request, secret=secret, for_account=account)
    return _services_page(request, token_form=form, for_account=account, status=400)


@require_POST
@login_required
def service_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    user, account = _account(request, pk)
    token = ApiToken.objects.filter(user=account.user, pk=token_pk).first()
    if token is None:
        raise Http404
    do_revoke_token(token, acting_user=user)
    messages.success(request, _("The token is revoked."))
    return redirect("api:service_accounts")


@require_POST
@login_required
def service_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user, account = _account(request, pk)
    do_deactivate_service_account(account, acting_user=user)
    messages.success(request, _("The service account is switched off; its tokens no longer work."))
    return redirect("api:service_accounts")
