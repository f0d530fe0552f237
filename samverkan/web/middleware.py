"""Request id and client address for the audit log; no caching of personal data; 503 when the database is down."""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from samverkan.audit import context

logger = logging.getLogger(__name__)

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


# The database's own errors when it cannot be reached or the connection was lost (a server
# stopped, restarted or out of connections): an outage, not a bug. Errors of a query
# (IntegrityError, DataError, ProgrammingError) are not among them.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 in the active language (Swedish by default), drawn without touching the database.

    No request context: the context processors read the user, whose session lives in the
    database. The API answers in its one error shape. Django closes the broken connection
    at the end of the request, so the next request connects again: the app recovers by
    itself when the database is back.
    """
    message = _("The service is temporarily unavailable. Nothing was saved half-way. Try again in a moment.")
    if request.path.startswith("/api/"):
        messages = {}
        for language in ("sv", "en"):
            with translation.override(language):
                messages[language] = str(message)
        body = {"error": {"code": "unavailable", "message": str(message), "messages": messages, "details": []}}
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        response = HttpResponse(loader.render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503, not a trace (see ``database_unavailable``).

    Failures in other middleware (the session or the user read before the view) reach the
    500 handler instead, which answers the same way (``samverkan.web.views.error_500``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.warning("Database unavailable: %s %s: %s", request.method, request.path, exception)
        return database_unavailable(request)
