"""Schemathesis against the live OpenAPI schema, as several personas: no server error, and every
answer as the schema documents it (status, content type, body).

Bounded: a fixed number of examples per operation and persona, derandomised so that CI runs
the same cases every time. Every operation of the schema is walked: a new endpoint is tested
the moment it is added.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samverkan.accounts.models import User
from samverkan.api.tests.test_api import token_for
from samverkan.api.v1 import api

PERSONAS = ("polis.inre", "polis.analytiker", "soc.handlaggare", "polis.chef", "soc.granskare")
EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BASE = "http://testserver"


def _send(case: Any, token: str) -> Response:
    """The case as Django's test client sends it, inside the test's transaction on every database.

    Schemathesis prepares the request (its method, URL with query, headers and body bytes) as
    it would send it over the network; the test client then calls the app in process, without
    the raw WSGI handler's closing of the database connection at the end of each request.
    """
    kwargs = case.as_transport_kwargs(base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    wanted = ("method", "url", "headers", "params", "data", "json", "files", "cookies")
    prepared = requests.Session().prepare_request(requests.Request(**{k: v for k, v in kwargs.items() if k in wanted}))
    url = urlsplit(prepared.url or "")
    body = prepared.body or b""
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in {"content-type", "content-length", "cookie"}}
    answer = HttpClient().generic(
        prepared.method or "GET", url.path + (f"?{url.query}" if url.query else ""),
        data=body.encode() if isinstance(body, str) else body,
        content_type=str(prepared.headers.get("Content-Type", "application/octet-stream")), headers=headers,
    )
    return Response(
        status_code=answer.status_code, headers={k.lower(): [v] for k, v in answer.items()},
        content=answer.content, request=prepared, elapsed=0.0, verify=True,
    )


def _walk(operation: Any, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.validate_response(_send(case, token), checks=CHECKS)

    run()


def test_every_operation_as_every_persona(
    personas: dict[str, User], make_client: Any, make_report: Any
) -> None:
    make_client("Schemaklient")
    make_report()
    schema: Any = schemathesis.openapi.from_dict(api.get_openapi_schema())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    tokens = {name: token_for(personas[name], days=1) for name in PERSONAS}
    walked = 0
    for operation in operations:
        for name, token in tokens.items():
            try:
                _walk(operation, token)
            except Exception as exc:
                pytest.fail(f"{operation.label} as {name}: {exc}")
            walked += 1
    assert walked == len(operations) * len(PERSONAS)
