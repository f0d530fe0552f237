"""Register extracts: what each agency gathers about a person, what it withholds, who sees it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.utils import timezone, translation

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import do_record_event, verify_chain
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.owners import owner_mark
from samverkan.extracts import actions
from samverkan.extracts.models import Extract, ExtractPart, ExtractStatus, Section
from samverkan.extracts.render import as_data, render_pdf
from samverkan.investigations import actions as police
from samverkan.legal.models import Offence
from samverkan.lib.identity import luhn_check_digit
from samverkan.support import actions as social
from samverkan.support.models import Client, SupportUnit
from samverkan.support.reference import seed_support_units
from samverkan.tests.common import disclose_client_to, met_on_a_shift

pytestmark = pytest.mark.django_db

BORN = dt.date(1990, 4, 12)
NINE = f"{BORN:%y%m%d}123"
PNR = f"{BORN:%Y%m%d}-123{luhn_check_digit(NINE)}"
DIGITS = PNR.replace("-", "")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Person:
    client: Client
    worker: User
    officer: User
    investigator: User


@pytest.fixture
def person(personas: dict[str, User]) -> Person:
    """A client of social services, met on a shift, with support, a referral, a consent, and
    disclosed to the police; and a suspect with the same number in the police's crime report."""
    seed_support_units()
    officer, worker, investigator = personas["polis.inre"], personas["soc.handlaggare"], personas["polis.utredare"]
    met = met_on_a_shift(personas, venue="Hotell Utdrag", address="Utdragsgatan 1")
    client, _ = social.do_create_client(
        pseudonym="Vera Utdrag", identifier_kind="personnummer", identifier_value=PNR,
        language="rumänska", contact="Telefon 070-000 00 00", acting_user=worker,
    )
    social.do_link_encounter(client, encounter=met, acting_user=worker)
    social.do_record_support_action(
        client, kind="offered",
        happened_on=timezone.localdate(), note="Berättade om sin syster Anna.", acting_user=worker,
    )
    unit = SupportUnit.objects.filter(accepts_adults=True, serves_in_prostitution=True).first()
    assert unit is not None
    social.do_refer(client, unit=unit, sent_on=timezone.localdate(), note="Remiss skickad.", acting_user=worker)
    social.do_record_consent(
        client, scope="share_with_police", given_by="client", given_on=timezone.localdate(), acting_user=worker,
    )
    disclose_client_to(officer, worker, met, client)
    report = police.do_create_crime_report(
        collaboration=met.shift.collaboration, case_number="5000-K123-26", offence=Offence.objects.get(key="brb-6-11"),
        committed_at=timezone.now() - dt.timedelta(days=3), acting_user=investigator,
        narrative="Vittnet Bo såg köpet.",
    )
    police.do_add_suspect(report, name="Vera Utdrag", role="other", personnummer=PNR, acting_user=investigator)
    return Person(client, worker, officer, investigator)


def _draft(user: User) -> Extract:
    return actions.do_create_extract(
        subject_kind="personnummer", subject_identifier=DIGITS, received_on=timezone.localdate(), acting_user=user,
    )


def _text(extract: Extract) -> str:
    return json.dumps([[p.heading, p.fields] for p in extract.parts.all()], ensure_ascii=False)


def test_social_services_gather_their_own_records_and_nothing_of_the_police(person: Person) -> None:
    extract = _draft(person.worker)
    sections = set(extract.parts.values_list("section", flat=True))
    assert {Section.PERSON, Section.IDENTIFIERS, Section.ENCOUNTERS, Section.SUPPORT, Section.REFERRALS,
            Section.CONSENTS, Section.DISCLOSURES} <= sections
    text = _text(extract)
    assert "Vera Utdrag" in text and "Hotell Utdrag" in text
    assert "Berättade om sin syster Anna." in text  # the note, as a part of its own
    assert "Remiss skickad." in text
    # The disclosure: to whom and on what basis.
    disclosure = extract.parts.get(section=Section.DISCLOSURES)
    assert any(label == "Disclosed to" and "olis" in value for label, value in disclosure.fields)
    assert any(label == "Legal basis" and "12" in value for label, value in disclosure.fields)
    # Nothing of the police's crime report, though the number is the same.
    assert "5000-K123-26" not in text and "Vittnet Bo" not in text
    note = extract.parts.get(fields__0__1="Berättade om sin syster Anna.")
    assert note.record_type == RecordType.SUPPORT_ACTION


def test_reads_of_the_records_are_in_the_extract_without_the_readers_name(
    person: Person, login: Callable[[User], HttpClient]
) -> None:
    assert login(person.worker).get(f"/stod/klienter/{person.client.pk}/").status_code == 200
    extract = _draft(person.worker)
    reads = list(extract.parts.filter(section=Section.READS))
    assert reads, "the worker's read of the client is in the extract"
    text = json.dumps([p.fields for p in reads], ensure_ascii=False)
    assert person.worker.username not in text
    assert "Social worker" in text or "Socialsekreterare" in text


def test_the_police_gather_their_own_records_and_nothing_of_social_services(person: Person) -> None:
    extract = _draft(person.investigator)
    text = _text(extract)
    assert "5000-K123-26" in text and "Vittnet Bo såg köpet." in text
    assert set(extract.parts.values_list("section", flat=True)) >= {Section.CRIME_REPORTS, Section.PERSON}
    assert "Hotell Utdrag" not in text and "Berättade" not in text and "Remiss" not in text


def test_nobody_known_gives_an_empty_extract(person: Person) -> None:
    extract = actions.do_create_extract(
        subject_kind="personnummer", subject_identifier="199001011239", received_on=timezone.localdate(),
        acting_user=person.worker,
    )
    assert extract.parts.count() == 0
    assert as_data(extract)["parts"] == []


def test_a_withheld_part_shows_its_provision_and_never_its_content_or_reason(person: Person) -> None:
    extract = _draft(person.worker)
    note = extract.parts.get(fields__0__1="Berättade om sin syster Anna.")
    actions.do_withhold_part(note, provision="osl-26-1", reason="Uppgift om systern.", acting_user=person.worker)
    extract = actions.do_approve_extract(extract, acting_user=person.worker)
    assert extract.status == ExtractStatus.APPROVED
    data = as_data(extract)
    assert data["withheld_parts"] == 1
    delivered = json.dumps(data, ensure_ascii=False)
    assert "syster Anna" not in delivered and "Uppgift om systern" not in delivered
    assert "osl-26-1" in delivered and "Vera Utdrag" in delivered
    assert render_pdf(extract).startswith(b"%PDF")


def test_withholding_needs_the_agencys_own_provision_and_a_reason(person: Person) -> None:
    extract = _draft(person.worker)
    part = extract.parts.first()
    assert part is not None
    with pytest.raises(ValidationError):
        actions.do_withhold_part(part, provision="osl-18-1", reason="Förundersökning.", acting_user=person.worker)
    with pytest.raises(ValidationError):
        actions.do_withhold_part(part, provision="osl-26-1", reason="  ", acting_user=person.worker)
    actions.do_withhold_part(part, provision="osl-26-1", reason="Annan person.", acting_user=person.worker)
    actions.do_release_part(part, acting_user=person.worker)
    part.refresh_from_db()
    assert not part.withheld and part.provision == "" and part.reason == ""


def test_an_approved_extract_is_frozen(person: Person) -> None:
    extract = actions.do_approve_extract(_draft(person.worker), acting_user=person.worker)
    part = extract.parts.first()
    assert part is not None
    with pytest.raises(ValidationError):
        actions.do_withhold_part(part, provision="osl-26-1", reason="Sent.", acting_user=person.worker)
    with pytest.raises(ValidationError):
        actions.do_approve_extract(extract, acting_user=person.worker)


def test_the_other_agency_cannot_touch_an_extract(person: Person) -> None:
    extract = _draft(person.worker)
    part = extract.parts.first()
    assert part is not None
    with pytest.raises(PermissionDenied):
        actions.do_withhold_part(part, provision="osl-35-1", reason="Nej.", acting_user=person.investigator)
    with pytest.raises(PermissionDenied):
        actions.do_approve_extract(extract, acting_user=person.investigator)
    with pytest.raises(PermissionDenied):
        _draft(person.officer)  # a police officer is not a handler of extracts
    assert not Extract.objects.visible_to(person.investigator).exists()


def test_the_whole_journey_over_http_is_audited_and_the_police_get_404(
    person: Person, login: Callable[[User], HttpClient]
) -> None:
    http = login(person.worker)
    before = AuditEvent.objects.count()
    response = http.post("/registerutdrag/", {
        "request-kind": "personnummer", "request-identifier": PNR,
        "request-received_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert http.get("/registerutdrag/").status_code == 200
    extract = Extract.objects.get()
    url = f"/registerutdrag/{extract.pk}/"
    assert http.get(url).status_code == 200
    # Not yet approved: nothing to download.
    assert http.get(f"{url}utdrag.pdf").status_code == 400
    part = extract.parts.get(fields__0__1="Berättade om sin syster Anna.")
    bad = http.post(f"{url}undanta/", {"withhold-part": part.pk, "withhold-provision": "osl-18-1", "withhold-reason": "x"})
    assert bad.status_code == 400
    ok = http.post(f"{url}undanta/", {
        "withhold-part": part.pk, "withhold-provision": "osl-26-1", "withhold-reason": "Uppgift om systern.",
    })
    assert ok.status_code == 302
    assert http.post(f"{url}godkann/", {}).status_code == 400  # must confirm the review
    assert http.post(f"{url}godkann/", {"approve-confirm": "on"}).status_code == 302
    pdf = http.get(f"{url}utdrag.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    body = http.get(f"{url}utdrag.json")
    assert body.status_code == 200
    data = json.loads(body.content)
    assert data["withheld_parts"] == 1 and "syster Anna" not in body.content.decode()
    assert http.get(f"{url}utdrag.exe").status_code == 404

    events = AuditEvent.objects.filter(record_type=RecordType.REGISTER_EXTRACT, record_id=str(extract.pk))
    actions_seen = set(events.values_list("action", flat=True))
    assert {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.VIEW, AuditAction.EXPORT} <= actions_seen
    assert AuditEvent.objects.filter(record_type=RecordType.REGISTER_EXTRACT, action=AuditAction.LIST).exists()
    assert not events.filter(detail__contains=DIGITS).exists()  # the number is not in the log
    assert AuditEvent.objects.count() > before
    assert verify_chain()[1] is None

    for who in (person.investigator, person.officer, User.objects.get(username="gbg.handlaggare")):
        other = login(who)
        for path in (url, f"{url}utdrag.pdf", f"{url}utdrag.json"):
            assert other.get(path).status_code == 404, (who.username, path)
        assert other.post(f"{url}godkann/", {"approve-confirm": "on"}).status_code in (403, 404)
    assert login(person.investigator).get("/registerutdrag/").status_code == 200
    assert extract.pk not in [e.pk for e in Extract.objects.visible_to(person.investigator)]
    assert login(person.officer).get("/registerutdrag/").status_code == 404
    assert ExtractPart.objects.visible_to(person.investigator).count() == 0


def test_a_read_by_the_other_agency_through_a_disclosure_is_in_the_owners_extract(person: Person) -> None:
    """The gate marks the police's read of a disclosed client with the owner (audit/owners.py)."""
    social_agency, police_agency = person.worker.agency, person.officer.agency
    assert social_agency is not None and police_agency is not None
    do_record_event(
        user=person.officer, action=AuditAction.VIEW, record_type=RecordType.CLIENT, record_id=person.client.pk,
        purpose="Förhör", detail=owner_mark(social_agency.code) + "disclosed",
    )
    # Another agency's read of a record not marked as the owner's stays out.
    do_record_event(user=person.officer, action=AuditAction.VIEW, record_type=RecordType.CLIENT, record_id=person.client.pk)
    reads = [dict(p.fields) for p in _draft(person.worker).parts.filter(section=Section.READS)]
    by_police = [r for r in reads if r.get("By agency") == police_agency.name]
    assert len(by_police) == 1 and by_police[0]["Purpose"] == "Förhör"
    assert person.officer.username not in json.dumps(reads, ensure_ascii=False)
