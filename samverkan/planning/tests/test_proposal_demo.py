"""On the demo: the proposal for a coordinator comes in bounded time and queries, with reasons, in areas in use."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.demo.tests.test_demo_data import demo_db  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db")]


def test_the_demo_proposal_for_a_coordinator() -> None:
    coordinator = User.objects.get(username="polis.samordnare")
    client = login_verified(Client(), coordinator)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/planering/forslag/")
    took = time.monotonic() - started
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 4
    assert all(reasons for _f, reasons in rows)
    # Only areas in use that week (the demo's 2020–2024 districts were replaced), so every shift can be planned.
    assert all(form.initial["area"].is_valid_on(form.initial["day"]) for form, _r in rows)
    assert len(queries) < 60 and took < 10
