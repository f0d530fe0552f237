"""No caching of personal data: ``Cache-Control: no-store`` on every signed-in response.

Every URL pattern of the project is walked (its path values filled with ids of
the demo's records, both agencies') as a persona of every role; every
response, whatever its status (refusals and server errors included), must forbid the browser and any proxy to keep
a copy. A route added later is walked too (with a placeholder id when no
record is named for it below), so it cannot escape the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.demo.tests.test_demo_data import demo_db  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db")]

# One persona of each role, of both agencies.
PERSONAS = (
    "polis.inre",
    "polis.utredare",
    "polis.analytiker",
    "polis.chef",
    "polis.granskare",
    "polis.admin",
    "soc.handlaggare",
    "soc.samordnare",
    "soc.granskare",
    "soc.admin",
)

# The record a route's path values name, by the route's name (the first match wins).
ROUTE_MODELS: tuple[tuple[str, str], ...] = (
    (r"^operations:venue_", "operations.Venue"),
    (r"^operations:", "operations.Shift"),
    (r"^support:referral_", "support.Referral"),
    (r"^support:consent_", "support.Consent"),
    (r"^support:concern_", "operations.ChildConcernReport"),
    (r"^support:", "support.Client"),
    (r"^investigations:suspect_detail|^investigations:suspect_correct", "investigations.Suspect"),
    (r"^investigations:", "investigations.CrimeReport"),
    (r"^sharing:", "sharing.Disclosure"),
    (r"^intel:tip_", "intel.Tip"),
    (r"^intel:item_", "intel.IntelItem"),
    (r"^intel:import_", "intel.ImportBatch"),
    (r"^intel:entity_", "intel.Entity"),
    (r"^intel:network_link$", "intel.NetworkLink"),
    (r"^intel:indicator_", "intel.Indicator"),
    (r"^useradmin:accounts_agency", "accounts.Agency"),
    (r"^useradmin:accounts_area_", "accounts.Area"),
    (r"^useradmin:accounts_areamapping", "accounts.AreaMapping"),
    (r"^useradmin:accounts_collaboration", "accounts.Collaboration"),
    (r"^useradmin:", "accounts.User"),
)
# Path values that are not record ids.
FIXED_VALUES = {"fmt": "csv", "app_label": "accounts", "url": "accounts/", "content_type_id": "1"}


def routes() -> Iterator[tuple[str, str, list[str]]]:
    """Every URL pattern: its name (namespaced), its route, and the names of its path values."""

    def walk(
        patterns: list[Any], prefix: str, namespace: str
    ) -> Iterator[tuple[str, str, list[str]]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                route = prefix + str(pattern.pattern)
                yield name, route, list(pattern.pattern.regex.groupindex)

    yield from walk(get_resolver().url_patterns, "", "")


def first_id(model_label: str, agency_field: str | None, agency_id: int | None) -> str | None:
    model: type[Model] = apps.get_model(model_label)
    rows = model._default_manager.order_by("pk")
    if agency_field and agency_id is not None:
        own = rows.filter(**{agency_field: agency_id})
        if own.exists():
            rows = own
    if model_label == "intel.Network":
        key = rows.values_list("key", flat=True).first()
        return str(key) if key is not None else None
    pk = rows.values_list("pk", flat=True).first()
    return str(pk) if pk is not None else None


def path_for(name: str, route: str, values: list[str], agency_id: int | None) -> str:
    """The route with its path values filled in: ids of the demo's records where known, 1 elsewhere."""
    model_label = next((label for pattern, label in ROUTE_MODELS if re.search(pattern, name)), None)
    filled: dict[str, str] = {}
    for value in values:
        if value in FIXED_VALUES:
            filled[value] = FIXED_VALUES[value]
        elif value == "key":
            filled[value] = first_id("intel.Network", "agency", agency_id) or "1"
        elif value == "user_id":
            filled[value] = first_id("accounts.User", None, None) or "1"
        else:
            found = first_id(model_label, None, None) if model_label else None
            filled[value] = found or "1"
    if route.startswith("^") or "(?P<" in route:
        path = route.lstrip("^").rstrip("$")
        for value, text in filled.items():
            path = re.sub(rf"\(\?P<{value}>[^)]*\)", text, path)
    else:
        path = route
        for value, text in filled.items():
            path = re.sub(rf"<(?:\w+:)?{value}>", text, path)
    return "/" + path


def assert_not_stored(response: Any, where: str) -> None:
    cache_control = response.get("Cache-Control", "")
    directives = {d.strip().split("=")[0] for d in cache_control.split(",")}
    assert "no-store" in directives, f"{where}: Cache-Control {cache_control!r}"
    assert "private" in directives, f"{where}: Cache-Control {cache_control!r}"
    assert "public" not in directives, where


def test_every_route_forbids_caching_for_every_role() -> None:
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    assert set(users) == set(PERSONAS)
    all_routes = list(routes())
    assert len(all_routes) > 100
    walked = 0
    ok_pages = 0
    for username in PERSONAS:
        user = users[username]
        client = login_verified(Client(raise_request_exception=False), user)
        agency_id = user.agency.pk if user.agency else None
        for name, route, values in all_routes:
            path = path_for(name, route, values, agency_id)
            response = client.get(path)
            assert_not_stored(response, f"{username} {name} {path} ({response.status_code})")
            walked += 1
            ok_pages += response.status_code == 200
    # The walk reached real pages of records, not only refusals.
    assert ok_pages > 150, ok_pages
    assert walked == len(PERSONAS) * len(all_routes)


def test_exports_forbid_caching() -> None:
    auditor = User.objects.get(username="polis.granskare")
    manager = User.objects.get(username="polis.chef")
    # An export is a job: its form redirects to the job's page, whose file is the download.
    http = login_verified(Client(), auditor)
    started = http.post("/jobb/export/logg/")
    assert_not_stored(started, "audit export started")
    export = http.get(started["Location"] + "fil/")
    assert export.status_code == 200
    assert export["Content-Disposition"].startswith("attachment")
    assert_not_stored(export, "audit export")
    http = login_verified(Client(), manager)
    for fmt in ("csv", "xlsx", "json"):
        started = http.post("/resultat/export/", {"fmt": fmt, "year": 2021})
        assert started.status_code == 302, fmt
        assert_not_stored(started, f"results export {fmt} started")
        results = http.get(started["Location"] + "fil/")
        assert results.status_code == 200, fmt
        assert_not_stored(results, f"results export {fmt}")


def test_login_pages_and_logout_forbid_caching(client: Client, personas: dict[str, User]) -> None:
    # A login under way: the pending user in the session, the code page.
    response = client.post(
        "/konto/logga-in/", {"username": "polis.inre", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert_not_stored(response, "password step")
    assert_not_stored(client.get(response["Location"]), "second step")
    # A signed-in user logging out.
    signed_in = login_verified(Client(), personas["polis.inre"])
    assert_not_stored(signed_in.post("/konto/logga-ut/"), "logout")
