"""Only two-factor-verified sessions reach the application.

The login flow (``accounts.views``) logs a user in only after both factors,
so a session that is authenticated but not verified did not come through it
(e.g. a device was removed by an administrator). Outside demo mode such a
session is ended and the user sent to the login page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class VerifiedSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.SAMVERKAN_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # installed by OTPMiddleware
        ):
            logout(request)
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
