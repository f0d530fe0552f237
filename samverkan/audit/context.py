"""Per-request context for audit events: request id and client address."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


# Outside a request (management commands, tests): no request id, no address.
NO_REQUEST = RequestContext()

current: ContextVar[RequestContext] = ContextVar("audit_request_context", default=NO_REQUEST)
