"""``legal.0005``: a disclosure made under OSL 10:28 alone moves to the duty-to-report basis
in force on its day (the same route now), and the separate row goes."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from samverkan.accounts.models import Collaboration, User
from samverkan.legal.models import LegalBasis
from samverkan.sharing.models import Disclosure

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
migration = importlib.import_module("samverkan.legal.migrations.0005_current_law")


def test_decisions_under_the_merged_basis_follow_the_route_by_their_date(
    personas: dict[str, User],
) -> None:
    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    police, social = officer.agency, worker.agency
    assert police is not None and social is not None
    merged = LegalBasis.objects.create(
        code="osl-10-28",
        provision="OSL 10 kap. 28 §",
        name="Uppgiftsskyldighet",
        direction="to_social_services",
    )

    def decided(at: dt.datetime) -> Disclosure:
        return Disclosure.objects.create(
            collaboration=Collaboration.objects.get(code="stockholm"),
            requesting_agency=social,
            owning_agency=police,
            record_type="crime_report",
            record_id=1,
            case_number="K100001-24",
            purpose="Skydd av barn",
            requested_by=worker,
            legal_basis=merged,
            status="approved",
            decided_at=at,
            decided_by=officer,
            valid_until=at.date() + dt.timedelta(days=90),  # need-to-know: granted for a period
        )

    old = decided(dt.datetime(2025, 6, 30, 23, 30, tzinfo=STOCKHOLM))
    new = decided(dt.datetime(2025, 7, 1, 0, 30, tzinfo=STOCKHOLM))
    migration.forwards(apps, None)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.legal_basis is not None and old.legal_basis.code == "sol-2001-453-14-1"
    assert new.legal_basis is not None and new.legal_basis.code == "sol-2025-400-orosanmalan"
    assert not LegalBasis.objects.filter(code="osl-10-28").exists()
    # Running it again changes nothing.
    migration.forwards(apps, None)
    assert Disclosure.objects.filter(legal_basis__code="sol-2001-453-14-1").count() == 1
