"""Helpers and fixtures that the apps' test packages share (imported by their conftests).

Kept here once: a synthetic personnummer, a birth date some years back, and the English
interface that the tests' assertions match (the Swedish catalogue may reword a message
without breaking a test).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone, translation

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.lib.identity import luhn_check_digit
from samverkan.operations.models import Encounter, Shift

Login = Callable[[User], HttpClient]


def personnummer(birth: dt.date, serial: str | int = "123") -> str:
    """A synthetic, valid twelve-digit personnummer for ``birth``, as YYYYMMDD-NNNN."""
    serial = f"{int(serial):03d}"
    return f"{birth:%Y%m%d}-{serial}{luhn_check_digit(f'{birth:%y%m%d}{serial}')}"


def years_ago(years: int, days: int = 30) -> dt.date:
    """A birth date that makes someone ``years`` old today (and ``days`` past the birthday)."""
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in their English source form, whatever the catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def login() -> Login:
    """``login(user)`` → a two-factor-verified client that reads the pages in English."""

    def _login(user: User) -> HttpClient:
        http = login_verified(HttpClient(), user)
        http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return http

    return _login


def started_shift(
    collaboration: Any, venue: Any, *, planner: User, staff: list[User], hours_ago: int
) -> Shift:
    """A six-hour outreach shift in Farsta at ``venue`` that began ``hours_ago`` hours ago.

    Planned by ``planner``, then staffed with ``staff`` and started by the first of them,
    all through the real actions.
    """
    from samverkan.accounts.models import Area
    from samverkan.operations import actions as ops

    lead = staff[0]
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    shift = ops.do_create_shift(
        collaboration=collaboration,
        area=Area.objects.get(code="lpo-farsta"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        basis="outreach",
        planned_venues=[venue],
        acting_user=planner,
    )
    for user in staff:
        ops.do_add_participant(shift, user=user, acting_user=lead)
    return ops.do_start_shift(shift, acting_user=lead)


def record_encounter(
    shift: Shift, venue: Any, user: User, *, role: str, age_band: str, minutes_ago: int = 60
) -> Encounter:
    """``user`` records meeting someone at ``venue`` on the shift, ``minutes_ago`` minutes ago."""
    from samverkan.operations import actions as ops

    found, _ = ops.do_record_encounter(
        shift,
        role=role,
        age_band=age_band,
        venue=venue,
        acting_user=user,
        occurred_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    return found


def met_on_a_shift(
    personas: dict[str, User],
    *,
    venue: str,
    address: str,
    age_band: str = "adult",
    started_hours_ago: int = 2,
    minutes_ago: int = 30,
) -> Encounter:
    """A person in prostitution met at a hotel on a started joint shift on Södermalm.

    The shift is planned by polis.inre with soc.handlaggare staffed and started through the
    real actions; polis.inre records the encounter ``minutes_ago`` (a possible minor's files
    its child-concern report, as on the page).
    """
    from samverkan.accounts.models import Area, Collaboration
    from samverkan.operations import actions as ops

    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    collaboration = Collaboration.objects.get(code="stockholm")
    hotel, _ = ops.do_find_or_create_venue(
        collaboration=collaboration, kind="hotel", name=venue, address=address, acting_user=officer
    )
    start = timezone.now() - dt.timedelta(hours=started_hours_ago)
    shift = ops.do_create_shift(
        collaboration=collaboration,
        area=Area.objects.get(code="lpo-sodermalm-2025"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=5),
        basis="outreach",
        planned_venues=[hotel],
        participants=[officer, worker],
        acting_user=officer,
    )
    shift = ops.do_start_shift(shift, acting_user=officer)
    met, _ = ops.do_record_encounter(
        shift,
        role="exploited",
        age_band=age_band,
        venue=hotel,
        acting_user=officer,
        occurred_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    return met


def disclose_client_to(officer: User, worker: User, met: Encounter, client: Any) -> None:
    """The officer asks for the pseudonym and language of the client met; the worker approves
    on the client's consent (OSL 12:2) and the officer accepts: the grant is in force."""
    from samverkan.legal.models import LegalBasis
    from samverkan.sharing.actions import (
        do_accept_disclosure,
        do_decide_disclosure,
        do_request_disclosure,
    )

    assert worker.agency is not None
    fields = ["pseudonym", "language"]
    d = do_request_disclosure(
        owning_agency=worker.agency,
        record_type="client",
        fields=fields,
        purpose="Förhör med målsägande",
        encounter=met,
        acting_user=officer,
    )
    d = do_decide_disclosure(
        d,
        approve=True,
        record_id=client.pk,
        legal_basis=LegalBasis.objects.get(code="osl-12-2"),
        fields=fields,
        assessment="Samtycke finns.",
        acting_user=worker,
    )
    do_accept_disclosure(d, acting_user=officer)


def menu_entry(html: str, url: str) -> str | None:
    """The main menu's link to ``url`` as a screen reader names it ("Tips, 2 new"); None if absent."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None, "no main menu"
    link = re.search(rf'<a href="{re.escape(url)}"([^>]*)>(.*?)</a>', nav.group(0), re.S)
    if link is None:
        return None
    label = re.search(r'aria-label="([^"]*)"', link.group(1))
    if label is not None:
        # The name is the label and the counts as the link shows them, punctuated.
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", link.group(2))).strip()
        assert label.group(1).replace(",", "") == shown, (label.group(1), shown)
        return label.group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", link.group(2))).strip()
