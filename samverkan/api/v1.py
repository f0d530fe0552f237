"""The API, version 1: typed JSON under /api/v1/, with OpenAPI 3 at /api/v1/openapi.json.

Every endpoint reaches records through the same access rules, gate and actions as the
pages (``accounts.access``, ``sharing.gate``, the apps' ``do_*`` actions): the API is a
second door to the same rooms, never a parallel implementation of the rules.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI

from samverkan.api import errors
from samverkan.api.routes import (
    clients,
    concerns,
    crime_reports,
    disclosures,
    jobs,
    networks,
    operations,
    records,
    results,
    tips,
)
from samverkan.api.security import AUTH, PerCaller

api = NinjaAPI(
    title="Samverkan API",
    version="1",
    description=(
        "The joint work of the police and social services. Authenticate with a personal token "
        "(`Authorization: Bearer svk_…`, created at /konto/api-nycklar/) or the pages' session. "
        "Integrations use a service account's token (created by the agency's administrator at "
        "/konto/api-nycklar/tjanstekonton/). Lists page by a cursor (`next`); creates take an "
        "`Idempotency-Key` header (a retry answers the first result); updates (PATCH) need the "
        "record's `ETag` as `If-Match` (428 without it, 412 if the record changed since); state "
        "changes are actions of their own (POST …/start/, …/decide/). Errors have one shape with a "
        "machine-readable `code` and messages in Swedish and English."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    throttle=[PerCaller()],
    docs_url="/docs/",
    docs_decorator=login_required,
)
errors.install(api)
api.add_router("/", operations.router)
api.add_router("/records/", records.router)
api.add_router("/", concerns.router)
api.add_router("/", clients.router)
api.add_router("/", crime_reports.router)
api.add_router("/", tips.router)
api.add_router("/", disclosures.router)
api.add_router("/", networks.router)
api.add_router("/", jobs.router)
api.add_router("/", results.router)


def unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """A path under /api/v1/ that names no operation: the API's own 404 error shape, not the pages' HTML."""
    return errors.respond(api, request, 404, "not_found", gettext_lazy("Not found."))
