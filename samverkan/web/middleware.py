"""Request id and client address for the audit log; no caching of personal data."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from samverkan.audit import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    header = settings.SAMVERKAN_CLIENT_IP_HEADER
    raw = ""
    if header:
        # The proxy in front of us appends the address it saw: the last value is
        # the one we can trust (earlier ones come from the client and can be forged).
        raw = request.META.get(header, "").split(",")[-1].strip()
    if not raw:
        raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) for the log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = context.current.set(
            context.RequestContext(request_id=request_id, client_ip=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _holds_a_session(request: HttpRequest) -> bool:
    """True for a signed-in user, and for a login under way (a pending user, a QR code)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return session is not None and not session.is_empty()


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response a browser must not keep.

    Every response to a signed-in user (and to a login under way, whose pages
    show the authenticator's secret) and every download is marked so that a
    shared computer's browser, or a proxy, keeps no copy of personal data. The
    decision is taken before and after the view, so that a response that ends a
    session (a logout, an unverified session sent back to the login) is covered
    too. Static files never reach this middleware (WhiteNoise answers first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        before = _holds_a_session(request)
        response = self.get_response(request)
        download = response.get("Content-Disposition", "").lower().startswith("attachment")
        if before or download or _holds_a_session(request):
            # Replaces any Cache-Control a view set: personal data is never cacheable.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)  # no-store, no-cache, private, max-age=0
        return response
