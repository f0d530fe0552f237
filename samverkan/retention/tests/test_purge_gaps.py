"""What the first purge left behind: the filed child-concern report's text, register extracts,
an import's log of skipped records, the networks that lose items; and the button that runs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.actions import verify_chain
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.extracts.models import Extract, ExtractPart
from samverkan.intel.linking import refresh_figures
from samverkan.intel.models import ImportBatch, IntelItem, Network
from samverkan.jobs.models import Job, JobState
from samverkan.operations.actions import do_file_child_concern_report
from samverkan.operations.models import ChildConcernReport
from samverkan.retention.actions import do_lift_hold
from samverkan.retention.jobs import DRY_RUN, PURGE
from samverkan.retention.models import Disposal, LegalHold, RetentionRule
from samverkan.retention.purge import IMPORT_LOG, purge
from samverkan.retention.reference import seed_retention_rules
from samverkan.support.models import ConcernHandling
from samverkan.tests.world import World, build_world

pytestmark = pytest.mark.django_db

FAR = dt.date(2100, 1, 1)
Login = Callable[[User], HttpClient]


def _world(personas: dict[str, User]) -> World:
    world = build_world(personas)
    # The world holds its first client: lift that, so that only the holds a test places keep.
    for hold in LegalHold.objects.active():
        do_lift_hold(hold, reason="test", acting_user=hold.placed_by)
    return world


def test_the_new_rules_are_seeded_with_their_sources_to_be_confirmed() -> None:
    seed_retention_rules()  # the migration's rows are gone after another test flushed the database
    rules = RetentionRule.objects.valid_on(dt.date(2026, 1, 1))
    report = rules.get(agency_kind="social_services", record_type="child_concern_report")
    assert (report.years, report.disposal) == (5, Disposal.ANONYMISE)
    for kind in ("social_services", "police"):
        extract = rules.get(agency_kind=kind, record_type="register_extract")
        assert (extract.years, extract.runs_from, extract.disposal) == (2, "last_use", Disposal.DELETE)
        assert ("art. 15" if kind == "social_services" else "4 kap. 6 §") in extract.source
        assert "arkivarien" in extract.source and not extract.confirmed_by_archivist


def test_the_filed_concern_reports_text_goes_with_its_handling_and_the_report_stays(
    personas: dict[str, User],
) -> None:
    world = _world(personas)
    report = ChildConcernReport.objects.get(pk=world.ids["concern"][0])
    assert report.summary
    # An open handling keeps the report's text, however old.
    purge(FAR)
    report.refresh_from_db()
    assert report.summary
    ConcernHandling.objects.filter(pk=report.pk).update(closed_at=timezone.now())
    before = (report.created_at, report.encounter_id, report.subject, report.addressed_to_id, report.reporter_agency_id)
    result = purge(FAR)
    report.refresh_from_db()
    assert report.summary == ""
    # What the statistics read stays: the report, its dates, subject, agencies and encounter.
    assert (report.created_at, report.encounter_id, report.subject, report.addressed_to_id, report.reporter_agency_id) == before
    assert result.done[("child_concern_report", Disposal.ANONYMISE)] >= 1
    assert AuditEvent.objects.filter(record_type="child_concern_report", detail__contains="anonymise").exists()
    assert verify_chain()[1] is None


def test_a_held_report_keeps_its_text_and_an_unhandled_report_goes_after_its_receipt(
    personas: dict[str, User], login: Login
) -> None:
    world = _world(personas)
    worker = personas["soc.handlaggare"]
    report = ChildConcernReport.objects.get(pk=world.ids["concern"][0])
    ConcernHandling.objects.filter(pk=report.pk).update(closed_at=timezone.now())
    # Placed from the report's page (a hold on the report or its handling keeps the text).
    http = login(worker)
    url = reverse("retention:place_hold", args=["child_concern_report", report.pk])
    assert http.post(url, {"reason": "Tillsyn"}).status_code == 302
    assert "Tillsyn" in http.get(reverse("support:concern_detail", args=[report.pk])).content.decode()
    assert login(personas["polis.inre"]).post(url, {"reason": "x"}).status_code == 404
    unhandled = do_file_child_concern_report(
        collaboration=report.collaboration, subject="exploited", summary="Flickan heter Ronja", acting_user=personas["polis.inre"]
    )
    assert not ConcernHandling.objects.filter(pk=unhandled.pk).exists()
    # Received today: kept as of today, gone five years on.
    purge(timezone.localdate())
    unhandled.refresh_from_db()
    assert unhandled.summary
    dry = purge(FAR, dry_run=True)
    planned = next(p for p in dry.planned if p.record_type == "child_concern_report" and p.held)
    assert report.pk not in planned.ids
    purge(FAR)
    report.refresh_from_db()
    assert report.summary
    unhandled.refresh_from_db()
    assert unhandled.summary == ""


def test_register_extracts_are_deleted_after_their_last_delivery_and_a_held_one_is_kept(
    personas: dict[str, User], login: Login
) -> None:
    world = _world(personas)
    worker = personas["soc.handlaggare"]
    approved, draft = world.ids["extract"][:2]
    assert ExtractPart.objects.filter(extract=draft).exists()
    # The hold is placed from the extract's page.
    http = login(worker)
    assert http.post(reverse("retention:place_hold", args=["register_extract", approved]), {"reason": "Överklagat"}).status_code == 302
    assert "Överklagat" in http.get(reverse("extracts:detail", args=[approved])).content.decode()
    # The police cannot place one on the city's extract.
    police = login(personas["polis.utredare"])
    assert police.post(reverse("retention:place_hold", args=["register_extract", draft]), {"reason": "x"}).status_code == 404
    purge(timezone.localdate() + dt.timedelta(days=365))  # under two years on: not yet
    assert Extract.objects.filter(pk__in=[approved, draft]).count() == 2
    result = purge(FAR)
    assert Extract.objects.filter(pk=approved).exists()  # held
    assert not Extract.objects.filter(pk=draft).exists()
    assert not ExtractPart.objects.filter(extract=draft).exists()
    assert result.done[("register_extract", Disposal.DELETE)] >= 1
    assert AuditEvent.objects.filter(record_type="register_extract", action=AuditAction.DELETE).exists()
    assert verify_chain()[1] is None


def test_an_imports_log_of_skipped_records_is_cleared_by_the_items_rule(personas: dict[str, User]) -> None:
    world = _world(personas)
    batch = ImportBatch.objects.get(pk=world.ids["import"][0])
    skipped = [{"line": 4, "id": "annons-hemlig-4711", "reason": "phones: +46701112233 is not a number"}]
    ImportBatch.objects.filter(pk=batch.pk).update(errors=skipped, skipped_count=1)
    purge(timezone.localdate())
    batch.refresh_from_db()
    assert batch.errors == skipped  # not yet expired
    dry = purge(FAR, dry_run=True)
    assert batch.pk in next(p for p in dry.planned if p.record_type == IMPORT_LOG).ids
    purge(FAR)
    batch.refresh_from_db()
    assert batch.errors == []
    assert (batch.skipped_count, batch.read_count) == (1, 3)  # the figures stay
    assert AuditEvent.objects.filter(record_type="intel_item", detail__contains=IMPORT_LOG).exists()


def test_a_network_that_loses_items_is_recounted_as_linking_counts_it(personas: dict[str, User]) -> None:
    world = _world(personas)
    network = Network.objects.get(key=world.ids["network"][0])
    items = list(IntelItem.objects.filter(membership__network=network).order_by("pk"))
    IntelItem.objects.filter(pk=items[0].pk).update(city="Malmö")
    IntelItem.objects.filter(pk__in=[i.pk for i in items[1:]]).update(city="Stockholm")
    refresh_figures([network.pk])
    network.refresh_from_db()
    assert (network.item_count, network.city_count, network.venue_count) == (3, 2, 3)
    old = timezone.now() - dt.timedelta(days=365 * 10)
    IntelItem.objects.filter(pk=items[0].pk).update(created_at=old, observed_at=old)
    purge(timezone.localdate())
    assert not IntelItem.objects.filter(pk=items[0].pk).exists()
    network.refresh_from_db()
    assert (network.item_count, network.city_count, network.venue_count) == (2, 1, 2)
    assert network.first_seen == min(i.observed_at for i in items[1:] if i.observed_at)


def test_a_network_left_without_items_is_removed(personas: dict[str, User]) -> None:
    world = _world(personas)
    network = Network.objects.get(key=world.ids["network"][0])
    old = timezone.now() - dt.timedelta(days=365 * 10)
    IntelItem.objects.filter(membership__network=network).update(created_at=old, observed_at=old)
    result = purge(timezone.localdate())
    assert not Network.objects.filter(pk=network.pk).exists()
    assert result.done[("network", Disposal.DELETE)] >= 1


def test_an_administrator_starts_a_dry_run_and_the_purge_from_the_rules_page(
    personas: dict[str, User], login: Login
) -> None:
    admin = personas["soc.admin"]
    http = login(admin)
    page = http.get(reverse("retention:rules")).content.decode()
    assert reverse("retention:start_purge") in page
    response = http.post(reverse("retention:start_purge"), {"mode": "dry_run"})
    job = Job.objects.get(created_by=admin, kind=DRY_RUN)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.state == JobState.DONE, job.error
    assert job.params["as_of"] == timezone.localdate().isoformat()
    # The result lists each rule in force with what would go, and its source.
    assert len(job.summary) == len(purge(timezone.localdate(), dry_run=True, agency=admin.agency).planned)
    assert any(line.startswith("Klient: skulle avidentifiera 0") and "12 kap. 1 §" in line for line in job.summary), job.summary
    assert any(line.startswith("Registerutdrag: skulle radera") for line in job.summary)
    assert http.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        record_type="retention_rule", action=AuditAction.UPDATE, detail__contains="dry run", username=admin.username
    ).exists()
    http.post(reverse("retention:start_purge"), {"mode": "purge"})
    purge_job = Job.objects.get(created_by=admin, kind=PURGE)
    assert purge_job.state == JobState.DONE, purge_job.error
    assert purge_job.agency == admin.agency
    # Nothing else may start it: not a handler, not an auditor, nor a bad form.
    assert http.post(reverse("retention:start_purge"), {"mode": "everything"}).status_code == 302
    for username in ("soc.handlaggare", "soc.granskare", "polis.inre"):
        assert login(personas[username]).post(reverse("retention:start_purge"), {"mode": "purge"}).status_code in (403, 404)
    assert Job.objects.filter(kind__in=[PURGE, DRY_RUN]).count() == 2
