"""Retention rules, legal holds and the purge of one agency's records, through the real actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.audit.actions import do_record_event, verify_chain
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.jobs.actions import do_start_job
from samverkan.jobs.models import JobState
from samverkan.lib.identity import luhn_check_digit
from samverkan.retention.actions import do_lift_hold, do_place_hold
from samverkan.retention.jobs import PURGE
from samverkan.retention.models import Disposal, LegalHold, RetentionRule
from samverkan.retention.purge import ANONYMISED, purge
from samverkan.sharing import gate
from samverkan.sharing.models import Disclosure
from samverkan.support import actions as social
from samverkan.support.models import Client, ClientIdentifier, IdentifierKind

pytestmark = pytest.mark.django_db

FAR = dt.date(2100, 1, 1)  # every record made today is past its rule then
Login = Callable[[User], HttpClient]


def number(born: str, serial: str = "002") -> str:
    """A valid personnummer for the birth date ``born`` (YYYYMMDD)."""
    return f"{born}-{serial}{luhn_check_digit(born[2:] + serial)}"


def make_client(worker: User, pseudonym: str, number: str = "") -> Client:
    client, _ = social.do_create_client(
        pseudonym=pseudonym,
        contact="070-123 45 67",
        identifier_kind=IdentifierKind.PERSONNUMMER if number else IdentifierKind.NONE,
        identifier_value=number,
        acting_user=worker,
    )
    return client


def test_the_default_rules_are_seeded_with_their_sources_to_be_confirmed(personas: dict[str, User]) -> None:
    rules = RetentionRule.objects.valid_on(dt.date(2026, 1, 1))
    client = rules.get(agency_kind="social_services", record_type="client")
    assert (client.years, client.runs_from, client.disposal) == (5, "last_entry", Disposal.ANONYMISE)
    assert "12 kap. 1 §" in client.source
    assert not rules.filter(confirmed_by_archivist=True).exists()
    assert rules.get(agency_kind="police", record_type="audit_event").disposal == Disposal.KEEP


def test_an_administrator_reads_the_rules_in_force_and_no_one_else(
    personas: dict[str, User], login: Login
) -> None:
    page = login(personas["soc.admin"]).get(reverse("retention:rules"))
    assert page.status_code == 200
    assert "12 kap. 1 §" in page.content.decode()
    assert "brottsdatalagens" not in page.content.decode()  # the police's rules are the police's
    assert login(personas["polis.admin"]).get(reverse("retention:rules")).status_code == 200
    for username in ("soc.handlaggare", "polis.inre", "soc.granskare"):
        assert login(personas[username]).get(reverse("retention:rules")).status_code == 404


def test_a_legal_hold_is_placed_shown_audited_and_lifted(personas: dict[str, User], login: Login) -> None:
    worker = personas["soc.handlaggare"]
    client = make_client(worker, "Hållen Person")
    http = login(worker)
    url = reverse("retention:place_hold", args=["client", client.pk])
    assert http.post(url, {"reason": "Tillsyn av IVO pågår"}).status_code == 302
    hold = LegalHold.objects.active().get(record_type="client", record_id=client.pk)
    page = http.get(reverse("support:client_detail", args=[client.pk])).content.decode()
    assert "Tillsyn av IVO pågår" in page
    assert AuditEvent.objects.filter(record_type="legal_hold", record_id=str(hold.pk), action=AuditAction.CREATE).exists()
    # Another agency cannot place or lift a hold on the record.
    police = login(personas["polis.inre"])
    assert police.post(url, {"reason": "x"}).status_code == 404
    assert police.post(reverse("retention:lift_hold", args=[hold.pk]), {"reason": "x"}).status_code == 404
    assert http.post(reverse("retention:lift_hold", args=[hold.pk]), {"reason": "Tillsynen avslutad"}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lifted_by == worker
    assert AuditEvent.objects.filter(record_type="legal_hold", record_id=str(hold.pk), action=AuditAction.UPDATE).exists()


def test_the_purge_anonymises_keeps_the_held_and_the_exempt_and_redacts_the_log(personas: dict[str, User]) -> None:
    worker = personas["soc.handlaggare"]
    gone = make_client(worker, "Gunnel Gallras", number("19900101"))
    held = make_client(worker, "Hilda Hållen")
    sampled = make_client(worker, "Sara Urval", number("19900115"))  # born on the 15th: the research sample
    do_place_hold(record_type="client", record_id=held.pk, reason="Rättegång", acting_user=worker)
    named = do_record_event(user=worker, action=AuditAction.VIEW, record_type="client", record_id=gone.pk,
                            detail="samtal med Gunnel Gallras om stöd")
    result = purge(FAR)
    gone.refresh_from_db()
    assert (gone.pseudonym, gone.contact) == (ANONYMISED, "")
    assert not ClientIdentifier.objects.filter(client=gone).exists()
    assert Client.objects.get(pk=held.pk).pseudonym == "Hilda Hållen"
    assert Client.objects.get(pk=sampled.pk).pseudonym == "Sara Urval"
    (clients,) = [p for p in result.planned if p.record_type == "client"]
    assert (clients.held, clients.exempt) == (1, 1)
    # The log: the name replaced in the event's text, through a redaction on the chain.
    assert AuditEvent.objects.get(pk=named.pk).detail == "samtal med [gallrat] om stöd"
    assert AuditEvent.objects.filter(action=AuditAction.REDACT, record_id=str(named.seq)).exists()
    counts = AuditEvent.objects.filter(detail__startswith="retention purge", record_type="client")
    assert [e.detail for e in counts] == [f"retention purge as of {FAR.isoformat()}: anonymise 1"]
    assert verify_chain()[1] is None
    # A second run finds nothing more (the job is idempotent).
    again = purge(FAR)
    assert not next(p for p in again.planned if p.record_type == "client").ids


def test_the_dry_run_changes_nothing(personas: dict[str, User]) -> None:
    client = make_client(personas["soc.handlaggare"], "Torr Körning")
    events = AuditEvent.objects.count()
    result = purge(FAR, dry_run=True)
    assert client.pk in next(p for p in result.planned if p.record_type == "client").ids
    assert Client.objects.get(pk=client.pk).pseudonym == "Torr Körning"
    assert AuditEvent.objects.count() == events
    assert any("would anonymise" in line for line in result.lines())


def test_a_lifted_hold_no_longer_keeps_its_record(personas: dict[str, User]) -> None:
    worker = personas["soc.handlaggare"]
    client = make_client(worker, "Lyft Hold")
    hold = do_place_hold(record_type="client", record_id=client.pk, reason="Tvist", acting_user=worker)
    do_lift_hold(hold, reason="Avgjord", acting_user=worker)
    purge(FAR)
    assert Client.objects.get(pk=client.pk).pseudonym == ANONYMISED


def test_the_purge_runs_as_a_job_for_the_agency_that_started_it(personas: dict[str, User]) -> None:
    ours = make_client(personas["soc.handlaggare"], "Jobb Klient")
    job = do_start_job(PURGE, acting_user=personas["soc.admin"], params={"as_of": FAR.isoformat()})
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert Client.objects.get(pk=ours.pk).pseudonym == ANONYMISED


def test_a_disclosure_copies_no_data_of_the_record_it_names() -> None:
    """What was disclosed goes with the owner's record: a disclosure names the record and the
    fields granted, and holds none of their values (the gate reads them from the record when
    the recipient reads). A new field on ``Disclosure`` must be checked against that here."""
    fields = {f.name for f in Disclosure._meta.concrete_fields}
    assert fields == {
        # whom, what record, which fields
        "id", "collaboration", "requesting_agency", "owning_agency", "record_type", "record_id", "encounter",
        "case_number", "fields_requested", "fields_granted", "concern_report", "reach", "granted_unit",
        "recipient_name", "valid_until",
        # the request and the decision: the agencies' own text, cleared when the record is purged
        "purpose", "offence", "status", "requested_by", "requested_at", "legal_basis", "assessment", "refusal_kind",
        "refusal_reason", "decided_by", "decided_at", "accepted_by", "accepted_at", "withdrawn_by", "withdrawn_at",
        "made_orally", "occurred_at",
    }
    declared = {field.name for registered in gate.registry().values() for field in registered.fields}
    assert declared
    # The names both share are not copies: the case number by which a requester names a police
    # record (how to find it; the purge clears it with the record), the offence a request is
    # about (for the legal rules), and the disclosure's own status.
    assert fields & declared == {"case_number", "offence", "status"}, "a disclosure must not store a record's field"


def test_the_purge_clears_a_disclosures_own_text_with_the_record(personas: dict[str, User]) -> None:
    from samverkan.tests.world import build_world

    world = build_world(personas)
    disclosure = Disclosure.objects.get(pk=world.ids["disclosure"][0])
    assert disclosure.purpose
    # The world holds its first client; lift that so that the disclosed one goes.
    for hold in LegalHold.objects.active():
        do_lift_hold(hold, reason="test", acting_user=hold.placed_by)
    purge(FAR)
    disclosure.refresh_from_db()
    assert (disclosure.purpose, disclosure.assessment, disclosure.refusal_reason, disclosure.case_number) == ("", "", "", "")
    assert verify_chain()[1] is None
