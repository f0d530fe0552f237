"""Issue 11: an age established later moves a person in the statistics (the concern report
stays), and the social workers' work list of encounters that no client is linked to."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.operations.models import ChildConcernReport
from samverkan.support.models import ClientEncounter, UnidentifiedEncounter
from samverkan.support.tests.conftest import ClientFactory, EncounterFactory

pytestmark = pytest.mark.django_db


def figure(page: str, key: str, note: str | None = None) -> int:
    """A headline figure's value (or one of its notes) as the results page shows it."""
    attrs = f'data-figure="{key}"' + (f' data-note="{note}"' if note else "")
    row = re.search(rf'<tr {attrs}[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None, (key, note)
    return int(re.findall(r'<td class="num">(\d+)</td>', row.group(1))[0])


def test_link_from_the_work_list_then_an_assessment_moves_the_person_to_the_adults(
    personas: dict[str, User], social: HttpClient, login: Callable[[User], HttpClient],
    encounter: EncounterFactory, make_client: ClientFactory,
) -> None:
    met = encounter(age_band="uncertain")
    concern = ChildConcernReport.objects.get(encounter=met)
    manager = login(personas["soc.chef"])
    year = f"?year={timezone.localdate().year}"
    page = manager.get(reverse("reports:results") + year).content.decode()
    assert (figure(page, "minors"), figure(page, "adults")) == (1, 0)
    assert figure(page, "minors", "age_uncertain") == figure(page, "minors", "unlinked") == 1

    listing = social.get(reverse("support:unlinked_list"))
    assert listing.status_code == 200
    assert f'data-encounter="{met.pk}"' in listing.content.decode()
    assert AuditEvent.objects.filter(action="list", record_type="encounter", detail__contains=str(met.pk)).exists()
    detail_url = reverse("support:unlinked_detail", args=[met.pk])
    client = make_client("Höstlöv")
    found = social.post(detail_url, {"step": "search", "q": "Höstlöv"})
    assert found.status_code == 200
    assert f'name="client" value="{client.pk}"' in found.content.decode()
    linked = social.post(detail_url, {"step": "link", "client": client.pk})
    assert linked.status_code == 302
    assert ClientEncounter.objects.get(encounter=met).client == client
    assert f'data-encounter="{met.pk}"' not in social.get(reverse("support:unlinked_list")).content.decode()
    assert social.get(detail_url).status_code == 404  # off the list

    page = manager.get(reverse("reports:results") + year).content.decode()
    assert (figure(page, "minors"), figure(page, "minors", "unlinked"), figure(page, "minors", "age_uncertain")) == (1, 0, 1)
    detail = reverse("support:client_detail", args=[client.pk])
    assert "Uncertain (as recorded at the encounter)" in social.get(detail).content.decode()
    today = timezone.localdate().isoformat()
    assessed = social.post(
        reverse("support:client_add_age", args=[client.pk]),
        {"age-basis": "documents", "age-min_years": "19", "age-assessed_on": today},
    )
    assert assessed.status_code == 302
    page = manager.get(reverse("reports:results") + year).content.decode()
    assert (figure(page, "minors"), figure(page, "adults"), figure(page, "minors", "age_uncertain")) == (0, 1, 0)
    assert "as recorded at the encounter" not in social.get(detail).content.decode()
    assert "<td>18 or over</td>" in social.get(detail).content.decode()
    # Protection is not revised: the child-concern report stands.
    assert ChildConcernReport.objects.filter(pk=concern.pk).exists()
    assert AuditEvent.objects.filter(
        record_type="client", record_id=str(client.pk), detail__startswith="age at encounters revised"
    ).exists()


def test_mark_as_not_possible_to_identify(
    personas: dict[str, User], social: HttpClient, encounter: EncounterFactory
) -> None:
    met = encounter(age_band="adult")
    url = reverse("support:unlinked_detail", args=[met.pk])
    refused = social.post(url, {"step": "unidentified", "reason": "  "})
    assert refused.status_code == 400
    assert not UnidentifiedEncounter.objects.exists()
    marked = social.post(url, {"step": "unidentified", "reason": "Gick innan samtal"})
    assert marked.status_code == 302
    mark = UnidentifiedEncounter.objects.get(encounter=met)
    assert mark.marked_by == personas["soc.handlaggare"]
    assert AuditEvent.objects.filter(
        action="update", record_type="encounter", record_id=str(met.pk), detail="marked as cannot be identified"
    ).exists()
    assert f'data-encounter="{met.pk}"' not in social.get(reverse("support:unlinked_list")).content.decode()


def test_who_reaches_the_work_list_and_bad_input(
    personas: dict[str, User], social: HttpClient, login: Callable[[User], HttpClient], encounter: EncounterFactory
) -> None:
    met = encounter(age_band="under_18")
    buyer = encounter(role="buyer", age_band="adult")
    assert social.get(reverse("support:unlinked_list") + "?page=abc").status_code == 400
    assert social.get(reverse("support:unlinked_list") + "?page=99999").status_code == 200  # the last page
    url = reverse("support:unlinked_detail", args=[met.pk])
    assert social.post(url, {"step": "link", "client": "999999"}).status_code == 400
    assert social.post(url, {"step": "nonsense"}).status_code == 400
    assert social.get(reverse("support:unlinked_detail", args=[buyer.pk])).status_code == 404  # not a person in prostitution
    assert "Encounters without a client" in social.get(reverse("web:start")).content.decode()
    for username in ("polis.inre", "soc.chef", "soc.samordnare"):
        other = login(personas[username])
        assert other.get(reverse("support:unlinked_list")).status_code == 403
        assert other.get(url).status_code == 403
    # Another collaboration's social worker does not see Stockholm's encounters.
    outside = login(personas["gbg.handlaggare"])
    assert outside.get(url).status_code == 404
    assert f'data-encounter="{met.pk}"' not in outside.get(reverse("support:unlinked_list")).content.decode()
