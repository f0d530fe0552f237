"""One error shape for every answer that is not a success.

``{"error": {"code": "not_found", "message": "…", "messages": {"sv": "…", "en": "…"},
"details": […]}}``: a machine-readable code, the message in the request's language,
and both languages, so that an integration can log either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

LANGUAGES = ("sv", "en")


class ErrorBody(Schema):
    code: str
    message: str
    messages: dict[str, str]
    details: list[dict[str, Any]] = []


class ErrorOut(Schema):
    error: ErrorBody


# The answers other than success that any endpoint may give, documented on every operation.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 428: ErrorOut, 429: ErrorOut,
}
# An update also answers 412 when its If-Match names a version that is no longer the current one.
UPDATE_ERRORS: dict[int, type[ErrorOut]] = {**ERRORS, 412: ErrorOut}


class ApiError(Exception):
    """An answer other than success, raised anywhere below an endpoint."""

    def __init__(self, status: int, code: str, message: str | Promise, details: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(str(message))
        self.status, self.code, self.message, self.details = status, code, message, list(details)


def _both(message: str | Promise) -> dict[str, str]:
    found = {}
    for language in LANGUAGES:
        with translation.override(language):
            found[language] = str(message)
    return found


def error_body(code: str, message: str | Promise, details: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "messages": _both(message), "details": list(details)}}


def respond(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str | Promise, details: Iterable[dict[str, Any]] = ()) -> HttpResponse:
    return api.create_response(request, error_body(code, message, details), status=status)


def _validation_details(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [{"field": name, "message": " ".join(str(m) for e in errors for m in e.messages)} for name, errors in exc.error_dict.items()]
    return [{"field": None, "message": str(m)} for m in exc.messages]


def install(api: NinjaAPI) -> None:
    """Every exception an endpoint may meet becomes the one error shape (never a trace)."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # Hidden and missing alike: the answer never tells which.
        return respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(api, request, 403, "forbidden", _("Your role may not do this."))

    @api.exception_handler(DjangoValidationError)
    def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(api, request, 422, "invalid", _("The request was refused: see the details."), _validation_details(exc))

    @api.exception_handler(NinjaValidationError)
    def malformed(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return respond(api, request, 422, "invalid", _("The request is not well formed: see the details."), details)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(api, request, 401, "unauthenticated", _("Log in, or send a valid API token (Authorization: Bearer …)."))

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = respond(api, request, 429, "throttled", _("Too many requests: wait a moment and try again."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {400: "bad_request", 405: "method_not_allowed", 409: "conflict", 412: "precondition_failed", 413: "too_large"}
        return respond(api, request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))
