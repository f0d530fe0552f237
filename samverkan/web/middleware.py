"""Request id and client address for the audit log."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
