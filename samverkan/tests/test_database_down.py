"""With the database down, pages answer a Swedish 503 page, and the app recovers by itself (issue 15, item 9).

The first tests break every query (both databases); the last one stops a PostgreSQL database
for real as the server sees it, its connections terminated and new ones refused, and serves
the pages from a live server whose connections open and close as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
import requests
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.web.middleware import DatabaseUnavailableMiddleware

SWEDISH = "Tjänsten är tillfälligt otillgänglig"


@contextmanager
def database_down(error: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query fails as it does when the server is gone."""
    broken = mock.Mock(side_effect=error("server closed the connection unexpectedly"))
    with mock.patch.object(connection, "cursor", broken), mock.patch.object(connection, "chunked_cursor", broken):
        yield


def _assert_503(body: str, status: int, headers: Any) -> None:
    assert status == 503
    assert SWEDISH in body
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
    assert headers["Retry-After"]


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_pages_answer_503_in_swedish_and_recover(personas: dict[str, User], error: type[Exception]) -> None:
    client = login_verified(Client(raise_request_exception=False), personas["polis.inre"])
    start = reverse("web:start")
    assert client.get(start).status_code == 200
    with database_down(error):
        # The session is read by a middleware before the view: the 500 handler answers 503.
        response = client.get(start)
        _assert_503(response.content.decode(), response.status_code, response)
        assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
        api = client.get("/api/v1/areas/")
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "unavailable"
        assert api.json()["error"]["messages"]["sv"].startswith(SWEDISH)
    assert client.get(start).status_code == 200


def test_a_view_that_loses_the_database_answers_503() -> None:
    """The middleware catches the view's own loss (the 500 handler the rest)."""
    request = RequestFactory().get("/pass/")
    middleware = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type, return-value]
    response = middleware.process_exception(request, OperationalError("connection refused"))
    assert response is not None
    _assert_503(response.content.decode(), response.status_code, response)
    assert middleware.process_exception(request, ValueError("a bug")) is None


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("stops a PostgreSQL server's connections (PG=… /work/tools/pytest.sh)")


def _terminate_others() -> None:
    """What a stopped server does to the app: every other session of the database is ended."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.usefixtures("postgres_only")
@pytest.mark.django_db(transaction=True)
def test_postgresql_outage_and_recovery(live_server: Any, personas: dict[str, User]) -> None:
    client = login_verified(Client(), personas["soc.handlaggare"])
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    url = live_server.url + reverse("web:start")
    assert requests.get(url, cookies=cookies, timeout=30).status_code == 200

    # The live server's thread shares these settings: new connections go to a closed port.
    shared = connections.settings["default"]
    port = shared["PORT"]
    try:
        shared["PORT"] = "1"
        _terminate_others()
        for _ in range(2):  # the broken connection, then a refused one
            response = requests.get(url, cookies=cookies, timeout=30)
            _assert_503(response.text, response.status_code, response.headers)
    finally:
        shared["PORT"] = port
    # The database is back: the next request connects again, nothing restarted.
    response = requests.get(url, cookies=cookies, timeout=30)
    assert response.status_code == 200
