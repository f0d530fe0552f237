"""Login in two steps: password, then a TOTP code (or enrolment of an app).

No session is authenticated until both factors have been checked: between
the steps the session only holds the id of the user whose password matched,
for a few minutes. Failed passwords count towards django-axes' lock-out;
failed codes are throttled by django-otp and, after a few, send the user
back to the password step. Every outcome is written to the audit log.

A user without an app connects one only after entering a one-time
activation code that an administrator of their agency issued and handed over
out of band (``accounts.actions``; not in demo mode): the password alone never
reaches the authenticator's secret.
"""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts import actions
from samverkan.accounts.forms import ActivationForm, CodeForm, LoginForm, NextForm
from samverkan.accounts.models import User
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction

PENDING_USER = "samverkan_pending_user"
PENDING_BACKEND = "samverkan_pending_backend"
PENDING_SINCE = "samverkan_pending_since"
PENDING_NEXT = "samverkan_pending_next"
PENDING_FAILURES = "samverkan_pending_failures"
# The activation code the pending user entered (its id), before the QR code is shown.
PENDING_ACTIVATION = "samverkan_pending_activation"
# How long the second step may wait after the password, and how many wrong codes it allows.
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _clear_pending(request: HttpRequest) -> None:
    for key in (
        PENDING_USER,
        PENDING_BACKEND,
        PENDING_SINCE,
        PENDING_NEXT,
        PENDING_FAILURES,
        PENDING_ACTIVATION,
    ):
        request.session.pop(key, None)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if user_id is None or time.time() - float(since) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _complete_login(request: HttpRequest, user: User, backend: str, device: TOTPDevice | None) -> HttpResponse:
    next_url = request.session.get(PENDING_NEXT)
    _clear_pending(request)
    if device is not None:
        user.otp_device = device  # type: ignore[attr-defined]  # django_otp.login picks it up
    with transaction.atomic():
        auth.login(request, user, backend=backend)
        do_record_event(user=user, action=AuditAction.LOGIN)
    return HttpResponseRedirect(_safe_next(request, next_url))


def _record_failure(username: str, detail: str) -> None:
    """A failed login, visible to the auditors of the account's agency when the account exists."""
    account = User.objects.filter(username=username).select_related("membership_record__agency").first()
    membership = getattr(account, "membership_record", None) if account else None
    do_record_event(
        user=None,
        action=AuditAction.LOGIN_FAILED,
        username=username,
        detail=detail,
        agency=membership.agency if membership else None,
    )


def _login_page(request: HttpRequest, form: LoginForm, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "accounts/login.html", {"form": form, "error": error}, status=status)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "GET":
        _clear_pending(request)
        wanted = NextForm(request.GET)
        request.session[PENDING_NEXT] = wanted.cleaned_data["next"] if wanted.is_valid() else ""
        return _login_page(request, LoginForm())

    form = LoginForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form, status=400)
    username = form.cleaned_data["username"]
    user = auth.authenticate(request, username=username, password=form.cleaned_data["password"])
    if getattr(request, "axes_locked_out", False):
        _record_failure(username, "locked out")
        return _login_page(request, form, error=locked_out_message(), status=429)
    if user is None:
        _record_failure(username, "wrong password")
        return _login_page(request, form, error=_("Wrong username or password."), status=400)
    assert isinstance(user, User)

    next_url = request.session.get(PENDING_NEXT, "")
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_BACKEND] = user.backend  # type: ignore[attr-defined]
    request.session[PENDING_SINCE] = time.time()
    request.session[PENDING_NEXT] = next_url
    request.session[PENDING_FAILURES] = 0

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:verify")
    if settings.SAMVERKAN_REQUIRE_2FA:
        return redirect("accounts:enrol")
    return _complete_login(request, user, user.backend, None)  # type: ignore[attr-defined]


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed attempts. The account is locked for %(minutes)d minutes. "
        "Contact your administrator if you need access sooner."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """django-axes' lock-out hook: the login view has already rendered the Swedish message."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return _login_page(request, LoginForm(), error=locked_out_message(), status=429)


def _code_failed(
    request: HttpRequest,
    user: User,
    form: CodeForm | ActivationForm,
    template: str,
    context: dict[str, Any],
    *,
    field: str = "code",
    detail: str = "wrong code",
) -> HttpResponse:
    failures = int(request.session.get(PENDING_FAILURES, 0)) + 1
    request.session[PENDING_FAILURES] = failures
    _record_failure(user.username, detail)
    if failures >= MAX_CODE_FAILURES:
        _clear_pending(request)
        return _login_page(
            request, LoginForm(), error=_("Too many wrong codes. Log in again with your password."), status=400
        )
    if field == "code":
        form.add_error("code", _("The code is wrong or has expired. Try the current code."))
    else:
        form.add_error(
            field,
            _(
                "The activation code is wrong, has expired or has been used. Check it, or ask "
                "your administrator for a new one."
            ),
        )
    return render(request, template, {**context, "form": form}, status=400)


def _check_code(
    request: HttpRequest, user: User, device: TOTPDevice, form: CodeForm, template: str, context: dict[str, Any]
) -> HttpResponse | None:
    """None if the code is right; otherwise the page that says why not."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        # django-otp's throttle: each failure doubles the wait before the next try.
        form.add_error("code", _("Too many attempts in a row. Wait a moment and try again."))
        return render(request, template, {**context, "form": form}, status=429)
    if not device.verify_token(form.cleaned_data["code"]):
        return _code_failed(request, user, form, template, context)
    return None


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:enrol")
    if request.method == "GET":
        return render(request, "accounts/verify.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/verify.html", {"form": form}, status=400)
    refused = _check_code(request, user, device, form, "accounts/verify.html", {})
    if refused is not None:
        return refused
    return _complete_login(request, user, request.session[PENDING_BACKEND], device)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _activation_step(request: HttpRequest, user: User) -> HttpResponse:
    """Before the QR code: the one-time activation code from the user's administrator."""
    template = "accounts/activate.html"
    if request.method == "GET" or "activation_code" not in request.POST:
        status = 200 if request.method == "GET" else 400
        return render(request, template, {"form": ActivationForm()}, status=status)
    form = ActivationForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    code = actions.matching_code(user, form.cleaned_data["activation_code"])
    if code is None:
        return _code_failed(
            request, user, form, template, {}, field="activation_code", detail="wrong activation code"
        )
    request.session[PENDING_ACTIVATION] = code.pk
    return redirect("accounts:enrol")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First login outside demo mode: the activation code, then connect an authenticator app and log in."""
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:verify")
    activation = None
    if settings.SAMVERKAN_REQUIRE_ACTIVATION_CODE:
        activation = actions.still_valid(user, request.session.get(PENDING_ACTIVATION))
        if activation is None:
            request.session.pop(PENDING_ACTIVATION, None)
            return _activation_step(request, user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Samverkan", confirmed=False)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    context = {
        "qr_data_uri": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    if request.method == "GET":
        return render(request, "accounts/enrol.html", {**context, "form": CodeForm()})
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/enrol.html", {**context, "form": form}, status=400)
    refused = _check_code(request, user, device, form, "accounts/enrol.html", context)
    if refused is not None:
        return refused
    try:
        actions.do_confirm_first_device(user=user, device=device, code=activation)
    except ValidationError:
        # Spent meanwhile in another session: start again with a new code.
        request.session.pop(PENDING_ACTIVATION, None)
        return redirect("accounts:enrol")
    return _complete_login(request, user, request.session[PENDING_BACKEND], device)


@require_POST
@login_required
def logout_view(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        do_record_event(user=request.user, action=AuditAction.LOGOUT)
    auth.logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
