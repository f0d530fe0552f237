"""The shift page on a phone: a venue added in place, the areas offered, the pickers' searches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import Area, User
from samverkan.operations.models import Shift, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_a_venue_added_in_place_is_confirmed_and_chosen_for_the_next_encounter(
    personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift
) -> None:
    client = login(personas["polis.inre"])
    url = f"/pass/{ongoing.pk}/platser/"
    response = client.post(url, {"kind": "massage_parlour", "name": "Salong Lotus"}, headers=HTMX)
    assert response.status_code == 200
    venue = Venue.objects.get(name="Salong Lotus")
    html = response.content.decode()
    assert 'id="venue-added"' in html
    assert "Salong Lotus" in html
    # The encounter's and the visit's venue fields come along, out of band, with the new venue chosen.
    assert html.count('hx-swap-oob="true"') == 2
    assert f'<option value="{venue.pk}" selected>' in html
    assert ongoing.planned_venues.filter(pk=venue.pk).exists()

    # Without htmx the whole page answers, the new venue chosen all the same.
    page = client.post(url, {"kind": "street", "name": "Malmskillnadsgatan"})
    assert page.status_code == 200
    street = Venue.objects.get(name="Malmskillnadsgatan")
    assert f'<option value="{street.pk}" selected>' in page.content.decode()

    # A refused venue answers the panel with its errors (400), and nothing is added.
    refused = client.post(url, {"kind": "castle", "name": ""}, headers=HTMX)
    assert refused.status_code == 400
    assert 'id="venues-panel"' in refused.content.decode()
    assert "hx-swap-oob" not in refused.content.decode()


def test_the_venue_form_offers_only_the_areas_in_use_on_the_shifts_day(
    personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift
) -> None:
    day = ongoing.starts_at.date()
    old = Area.objects.create(
        code="sdo-gammal", name="Gammalt område", kind="city_district", agency=ongoing.area.agency,
        valid_from=dt.date(2000, 1, 1), valid_to=day - dt.timedelta(days=400),
    )
    client = login(personas["polis.inre"])
    page = client.get(f"/pass/{ongoing.pk}/").content.decode()
    assert "Gammalt område" not in page
    response = client.post(f"/pass/{ongoing.pk}/platser/", {"kind": "hotel", "name": "Hotell Gammalt", "area": old.pk}, headers=HTMX)
    assert response.status_code == 400
    assert not Venue.objects.filter(name="Hotell Gammalt").exists()


def test_completing_a_shift_is_behind_a_confirm_step(
    personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift
) -> None:
    page = login(personas["polis.inre"]).get(f"/pass/{ongoing.pk}/").content.decode()
    confirm = page.index('id="complete-confirm"')
    assert page.index(f'action="/pass/{ongoing.pk}/avsluta/"') > confirm
    # The encounter entry comes first, then the venues, the staff and the log.
    order = [page.index(marker) for marker in ('id="encounter-panel"', 'id="venues-panel"', 'id="staff-heading"', 'id="log-heading"', 'id="complete-confirm"')]
    assert order == sorted(order)


def test_the_pickers_search_through_the_shifts_access(
    personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift, hotel: Venue
) -> None:
    client = login(personas["polis.samordnare"])
    staff = f"/pass/{ongoing.pk}/deltagare/sok/"
    venues = f"/pass/{ongoing.pk}/platser/sok/"
    assert client.get(staff).status_code == 405
    assert client.get(venues).status_code == 405
    found = client.post(venues, {"q": "exempel"})
    assert found.status_code == 200
    assert f'name="venue" value="{hotel.pk}"' in found.content.decode()
    assert "value=" not in client.post(venues, {"q": "finns inte"}).content.decode()
    # Staff already on the shift are not offered again; the search never widens the form's choice.
    answer = client.post(staff, {"q": ""}).content.decode()
    assert f'value="{personas["polis.inre"].pk}"' not in answer
    assert f'value="{personas["polis.admin"].pk}"' not in answer
    assert client.post(staff, {"q": "x" * 101}).status_code == 400
    # Another collaboration's staff: 404, as for the shift itself.
    outsider = login(personas["vast.polis"])
    assert outsider.post(staff, {"q": "a"}).status_code == 404
    assert outsider.post(venues, {"q": "a"}).status_code == 404
