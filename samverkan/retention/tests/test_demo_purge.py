"""The purge over the demo: the statistics stay identical, the log verifies, a legal hold keeps its record.

``purge_expired --as-of 2030-01-01`` runs over the whole demo (every record then
past its rule). Before and after, ``results_report --year 2021 --format json``
(exact and public) gives the same output; ``verify_audit`` passes; the held
client keeps everything; and no identifying value of a purged person is left
anywhere in the database, disclosures and the audit log included.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from samverkan.accounts.models import User
from samverkan.audit.actions import verify_chain
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.demo.tests.test_demo_data import restore_test_database
from samverkan.investigations.models import Suspect
from samverkan.retention.actions import do_place_hold
from samverkan.retention.models import LegalHold
from samverkan.retention.purge import ANONYMISED, plan
from samverkan.sharing.models import Disclosure
from samverkan.support.models import Client, ClientIdentifier, SupportAction

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2030, 1, 1)


def _report(*extra: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.json"
        call_command("results_report", "--year", "2021", "--format", "json", "--output", str(path), *extra, stderr=io.StringIO())
        return path.read_text(encoding="utf-8")


def _texts(model: type[models.Model]) -> Iterator[str]:
    fields = [
        f.attname for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]
    if not fields:
        return
    for row in model._default_manager.values_list(*fields).iterator():
        yield " ".join(str(v) for v in row if v)


@pytest.fixture(scope="module")
def purged(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings(SAMVERKAN_DEMO=True):
        call_command("load_demo", quiet_users=True, verbosity=0)
        planned = {p.record_type: p.ids for p in plan(AS_OF)}
        worker = User.objects.get(username="soc.handlaggare")
        # A client the purge would anonymise, with a support action, put under a legal hold.
        held = Client.objects.get(
            pk=next(pk for pk in planned["client"] if SupportAction.objects.filter(client_id=pk).exists())
        )
        do_place_hold(record_type="client", record_id=held.pk, reason="Pågående tillsyn (IVO)", acting_user=worker)
        held_before = (held.pseudonym, list(held.identifiers.values_list("value", flat=True)))
        gone = [pk for pk in planned["client"] if pk != held.pk]
        tokens = set(ClientIdentifier.objects.filter(client__in=gone).exclude(value="").values_list("value", flat=True))
        tokens |= {c for c in Client.objects.filter(pk__in=gone).values_list("contact", flat=True) if len(c) > 5}
        tokens |= {
            t for s in Suspect.objects.filter(pk__in=planned.get("suspect", [])).values_list("personnummer", "name")
            for t in s if t
        }
        state = {
            "planned": planned,
            "held": held.pk,
            "held_before": held_before,
            "tokens": tokens,
            "reports": [_report(), _report("--public")],
            "events": AuditEvent.objects.count(),
            "disclosures": Disclosure.objects.count(),
        }
        dry = io.StringIO()
        call_command("purge_expired", "--dry-run", "--as-of", AS_OF.isoformat(), stdout=dry)
        state["dry_run"] = dry.getvalue()
        state["after_dry_run"] = AuditEvent.objects.count()
        out = io.StringIO()
        call_command("purge_expired", "--as-of", AS_OF.isoformat(), stdout=out)
        state["output"] = out.getvalue()
        state["reports_after"] = [_report(), _report("--public")]
        yield state
        restore_test_database()


def test_the_demo_has_records_to_purge(purged: dict[str, Any]) -> None:
    assert len(purged["planned"]["client"]) > 10
    assert purged["planned"].get("suspect")
    assert "client: anonymise" in purged["output"]


def test_the_dry_run_lists_by_rule_and_changes_nothing(purged: dict[str, Any]) -> None:
    assert "would anonymise" in purged["dry_run"]
    assert "SoL" in purged["dry_run"]  # each rule with its source
    assert purged["after_dry_run"] == purged["events"]


def test_the_results_report_is_identical_after_the_purge(purged: dict[str, Any]) -> None:
    before, after = purged["reports"], purged["reports_after"]
    assert '"minors"' in before[0]
    assert after == before


def test_the_audit_chain_verifies_after_the_purge_and_no_event_was_deleted(purged: dict[str, Any]) -> None:
    checked, broken = verify_chain()
    assert broken is None, broken
    assert checked == AuditEvent.objects.count() > purged["events"]
    # The purge said what it did by record type and count, never by content.
    counts = AuditEvent.objects.filter(detail__startswith="retention purge as of 2030-01-01")
    assert counts.filter(record_type="client", action=AuditAction.UPDATE).exists()
    call_command("verify_audit", stdout=io.StringIO())


def test_the_purged_clients_keep_only_what_the_statistics_need(purged: dict[str, Any]) -> None:
    gone = [pk for pk in purged["planned"]["client"] if pk != purged["held"]]
    clients = Client.objects.filter(pk__in=gone)
    assert set(clients.values_list("pseudonym", flat=True)) == {ANONYMISED}
    assert not clients.exclude(contact="", language="").exists()
    assert not ClientIdentifier.objects.filter(client__in=gone).exists()
    assert not SupportAction.objects.filter(client__in=gone).exclude(note="").exists()
    # The links to the encounters (the person counted, the age at each) stay.
    assert clients.filter(encounter_links__isnull=False).exists()


def test_a_legal_hold_keeps_its_record_through_the_purge(purged: dict[str, Any]) -> None:
    held = Client.objects.get(pk=purged["held"])
    assert (held.pseudonym, list(held.identifiers.values_list("value", flat=True))) == purged["held_before"]
    assert LegalHold.objects.active().filter(record_type="client", record_id=held.pk).exists()


def test_nothing_identifying_of_a_purged_person_is_left_anywhere(purged: dict[str, Any]) -> None:
    """Disclosures copy nothing: what was disclosed went with the owner's record (and the log was redacted)."""
    tokens = {t for t in purged["tokens"] if len(t) >= 6}
    assert tokens
    assert Disclosure.objects.count() == purged["disclosures"]
    for model in apps.get_models():
        for text in _texts(model):
            found = [t for t in tokens if t in text]
            assert not found, (model.__name__, found[:3])
