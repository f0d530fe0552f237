"""What must hold after any crash: writes that belong together are all there or all absent.

Checked by ``manage.py check_invariants`` after the crash test (samverkan/tests/test_crash.py)
and after the load benchmark (scripts/bench_load.py). Each check returns the offending rows'
ids (at most ``LIMIT``), so a failure says where to look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intel.models import ImportBatch, IntelItem
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    ChildConcernReport,
    Encounter,
    EncounterRole,
)
from samverkan.sharing.models import Disclosure, DisclosureStatus

LIMIT = 20


@dataclass(frozen=True)
class Invariant:
    name: str
    # Needs the audit log: skipped when the load benchmark runs with it switched off.
    needs_audit: bool
    offenders: Callable[[], list[object]]


def _audited(record_type: str, action: str, record_id: object) -> Exists:
    return Exists(
        AuditEvent.objects.filter(record_type=record_type, action=action, record_id=record_id)
    )


def minors_without_report() -> list[object]:
    """An encounter of a possible minor selling or buying sex always has its child-concern report."""
    reported = ChildConcernReport.objects.filter(encounter=OuterRef("pk"))
    return list(
        Encounter.objects.filter(
            age_band__in=MINOR_AGE_BANDS, role__in=[EncounterRole.EXPLOITED, EncounterRole.BUYER]
        )
        .filter(~Exists(reported))
        .values_list("pk", flat=True)[:LIMIT]
    )


def disclosures_without_audit() -> list[object]:
    """A disclosure request has its creation event; a decided one its decision event."""
    as_text = Cast("pk", output_field=CharField())
    missing_create = Disclosure.objects.annotate(key=as_text).filter(
        ~_audited(RecordType.DISCLOSURE, AuditAction.CREATE, OuterRef("key"))
    )
    decided = [DisclosureStatus.APPROVED, DisclosureStatus.REFUSED, DisclosureStatus.ACCEPTED]
    missing_decision = Disclosure.objects.annotate(key=as_text).filter(
        Q(status__in=decided) & ~_audited(RecordType.DISCLOSURE, AuditAction.DISCLOSE, OuterRef("key"))
    )
    found: list[object] = list(missing_create.values_list("pk", flat=True)[:LIMIT])
    found += [f"{pk} (decision)" for pk in missing_decision.values_list("pk", flat=True)[:LIMIT]]
    return found


def half_written_imports() -> list[object]:
    """An import is all there (finished, with its items) or absent: no unfinished batch, no orphan item."""
    unfinished = list(ImportBatch.objects.filter(finished_at__isnull=True).values_list("pk", flat=True)[:LIMIT])
    orphans = (
        IntelItem.objects.filter(batch_id__isnull=False)
        .filter(~Exists(ImportBatch.objects.filter(pk=OuterRef("batch_id"))))
        .values_list("batch_id", flat=True)
        .distinct()[:LIMIT]
    )
    return [*unfinished, *(f"items of missing batch {pk}" for pk in orphans)]


def imports_without_audit() -> list[object]:
    """A finished import has its one audit event."""
    as_text = Cast("pk", output_field=CharField())
    missing = ImportBatch.objects.annotate(key=Concat(Value("import:"), as_text, output_field=CharField())).filter(
        ~_audited(RecordType.INTEL_ITEM, AuditAction.CREATE, OuterRef("key"))
    )
    return list(missing.values_list("pk", flat=True)[:LIMIT])


INVARIANTS = (
    Invariant("encounter of a possible minor without its child-concern report", False, minors_without_report),
    Invariant("disclosure without its audit event", True, disclosures_without_audit),
    Invariant("half-written import", False, half_written_imports),
    Invariant("import without its audit event", True, imports_without_audit),
)


def check_invariants(*, audit: bool = True) -> dict[str, list[object]]:
    """Each broken invariant's name and offenders (empty: all hold)."""
    broken: dict[str, list[object]] = {}
    for invariant in INVARIANTS:
        if invariant.needs_audit and not audit:
            continue
        offenders = invariant.offenders()
        if offenders:
            broken[invariant.name] = offenders
    return broken
