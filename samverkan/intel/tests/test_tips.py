"""Tips: submitted by many, triaged by analysts (new → assessed → linked → closed), shifts from tips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.audit.models import AuditEvent
from samverkan.intel.models import IntelItem, Network, Tip, TipSource, TipStatus
from samverkan.operations.models import Shift, ShiftBasis, ShiftStatus

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def test_submit_as_social_worker(personas: dict[str, User], login: Login, stockholm: Collaboration) -> None:
    client = login(personas["soc.handlaggare"])
    response = client.post("/underrattelser/tips/nytt/", {
        "collaboration": stockholm.pk, "what": "A man sells sex from flat 4", "source_type": "anonymous",
        "source_name": "Grannen", "wants_anonymity": "on", "no_identifiable_person": "on",
    })
    assert response.status_code == 302 and response["Location"] == "/"
    tip = Tip.objects.get()
    assert tip.addressed_to.kind == "police" and tip.submitter_agency.code == "stockholms-stad"
    assert tip.status == TipStatus.NEW
    assert TipSource.objects.get(tip=tip).wants_anonymity
    # The submitter cannot read the tip back.
    assert client.get(f"/underrattelser/tips/{tip.pk}/").status_code == 404


def test_bad_input(personas: dict[str, User], login: Login, stockholm: Collaboration) -> None:
    client = login(personas["soc.handlaggare"])
    response = client.post("/underrattelser/tips/nytt/", {"collaboration": stockholm.pk, "what": "", "source_type": "x"})
    assert response.status_code == 400
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/underrattelser/tips/nytt/", {
        "collaboration": stockholm.pk, "what": "x", "source_type": "public", "observed_at": future,
        "no_identifiable_person": "on",
    })
    assert response.status_code == 400
    assert "The time cannot be in the future." in response.content.decode()
    other = Collaboration.objects.get(code="goteborg")
    response = client.post(
        "/underrattelser/tips/nytt/",
        {"collaboration": other.pk, "what": "x", "source_type": "public", "no_identifiable_person": "on"},
    )
    assert response.status_code == 400
    assert not Tip.objects.exists()


def test_triage(personas: dict[str, User], login: Login, tip: Tip, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    base = f"/underrattelser/tips/{tip.pk}/"
    # Linking before assessing is refused with a message, and changes nothing.
    response = client.post(base + "koppla/", {"network": network.pk})
    assert response.status_code == 400
    assert "Assess the tip" in response.content.decode()
    assert client.post(base + "bedom/", {"relevance": "high", "urgency": "urgent", "assessment": "Credible"}).status_code == 302
    tip.refresh_from_db()
    assert (tip.status, tip.relevance, tip.assessed_by) == (TipStatus.ASSESSED, "high", personas["polis.analytiker"])
    assert client.post(base + "koppla/", {"network": network.pk}).status_code == 302
    tip.refresh_from_db()
    assert tip.status == TipStatus.LINKED and tip.network == network
    assert client.post(base + "stang/", {"note": ""}).status_code == 400
    assert client.post(base + "stang/", {"note": "Handed to the operation"}).status_code == 302
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED
    actions = list(AuditEvent.objects.filter(record_type="tip", record_id=str(tip.pk)).values_list("action", flat=True))
    assert actions.count("update") == 3 and "create" in actions


def test_a_shift_from_a_tip(personas: dict[str, User], login: Login, tip: Tip) -> None:
    client = login(personas["polis.analytiker"])
    client.post(f"/underrattelser/tips/{tip.pk}/bedom/", {"relevance": "high", "urgency": "soon"})
    area = Area.objects.get(code="lpo-sodermalm-2025")
    start = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(f"/underrattelser/tips/{tip.pk}/pass/", {
        "area": area.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"), "briefing": "From the tip",
    })
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert (shift.basis, shift.status) == (ShiftBasis.TIP, ShiftStatus.PLANNED)
    tip.refresh_from_db()
    assert tip.shift == shift and tip.status == TipStatus.LINKED
    # The shift shows the tips behind it: linked for the analysts, only counted for the
    # staff who may not read tips (the tip's text never reaches them).
    page = client.get(f"/pass/{shift.pk}/").content.decode()
    assert f"/underrattelser/tips/{tip.pk}/" in page
    for other in ("polis.inre", "soc.handlaggare"):
        page = login(personas[other]).get(f"/pass/{shift.pk}/").content.decode()
        assert 'id="shift-tips"' in page and f"/underrattelser/tips/{tip.pk}/" not in page
        assert tip.what not in page
    # Ends before it starts: a clear message, nothing written.
    response = client.post(f"/underrattelser/tips/{tip.pk}/pass/", {
        "area": area.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": start.strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 400
    assert Shift.objects.count() == 1


def test_tip_content_into_intelligence(personas: dict[str, User], login: Login, tip: Tip) -> None:
    client = login(personas["polis.analytiker"])
    client.post(f"/underrattelser/tips/{tip.pk}/bedom/", {"relevance": "medium", "urgency": "routine"})
    response = client.post(f"/underrattelser/tips/{tip.pk}/till-underrattelser/")
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.intel_item_id is not None
    item = IntelItem.objects.get(pk=tip.intel_item_id)
    assert (item.kind, item.origin, item.external_id) == ("tip", "tip", f"tip-{tip.pk}")
    assert item.entity_links.filter(entity__kind="address").exists()
    # Twice is once.
    client.post(f"/underrattelser/tips/{tip.pk}/till-underrattelser/")
    assert IntelItem.objects.filter(origin="tip").count() == 1


def test_hand_entry_links_at_once(personas: dict[str, User], login: Login, police: object) -> None:
    client = login(personas["polis.utredare"])
    response = client.post("/underrattelser/uppgifter/ny/", {
        "kind": "ad", "observed_at": "2024-05-01T20:00", "title": "Ny här", "phones": "070-174 06 05\n08-123 456 78",
        "names": "Anna", "age": "", "venue_kind": "",
    })
    assert response.status_code == 302
    item = IntelItem.objects.get(origin="manual")
    assert item.phones == ["070-174 06 05", "08-123 456 78"]
    assert item.entity_links.count() == 3
    response = client.post("/underrattelser/uppgifter/ny/", {"kind": "poster", "observed_at": "x"})
    assert response.status_code == 400
