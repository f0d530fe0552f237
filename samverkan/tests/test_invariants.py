"""check_invariants finds each kind of half-written state (the crash test and the load benchmark rely on it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from samverkan.accounts.models import Agency, Area, Collaboration, User
from samverkan.audit.models import AuditEvent
from samverkan.intel.models import ImportBatch
from samverkan.operations import actions
from samverkan.operations.models import ChildConcernReport, Encounter
from samverkan.web.invariants import check_invariants


@pytest.fixture
def encounter_of_a_minor(personas: dict[str, User]) -> Encounter:
    officer = personas["polis.inre"]
    stockholm = Collaboration.objects.get(code="stockholm")
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Invariant", address="Gatan 1", acting_user=officer
    )
    start = timezone.now() - dt.timedelta(hours=1)
    shift = actions.do_create_shift(
        collaboration=stockholm, area=Area.objects.get(code="lpo-farsta"), starts_at=start,
        ends_at=start + dt.timedelta(hours=6), basis="outreach", planned_venues=[venue],
        participants=[officer], acting_user=personas["polis.samordnare"],
    )
    shift = actions.do_start_shift(shift, acting_user=officer)
    encounter, _ = actions.do_record_encounter(shift, role="exploited", age_band="under_18", venue=venue, acting_user=officer)
    return encounter


def test_all_hold_after_real_writes(encounter_of_a_minor: Encounter) -> None:
    assert check_invariants() == {}
    call_command("check_invariants")


def test_a_minor_without_a_report_is_found(encounter_of_a_minor: Encounter) -> None:
    ChildConcernReport.objects.filter(encounter=encounter_of_a_minor).delete()
    broken = check_invariants()
    assert broken == {"encounter of a possible minor without its child-concern report": [encounter_of_a_minor.pk]}
    with pytest.raises(CommandError):
        call_command("check_invariants")


def test_an_unfinished_import_and_a_missing_audit_event_are_found(personas: dict[str, User]) -> None:
    batch = ImportBatch.objects.create(
        agency=Agency.objects.get(code="polisregion-stockholm"), file_name="x.jsonl", sha256="0" * 64, file_format="jsonl"
    )
    broken = check_invariants()
    assert broken["half-written import"] == [batch.pk]
    assert broken["import without its audit event"] == [batch.pk]
    assert "import without its audit event" not in check_invariants(audit=False)
    assert not AuditEvent.objects.filter(record_id=f"import:{batch.pk}").exists()
