"""The migration that moves child-concern handling from the shared report to support.

Run against the test database itself (outside a test transaction, as a
migration runs): back to before the move, a few reports at every stage,
forward, back again, and forward to where the other tests expect the schema.
The rows made here are removed at the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("support", "0004_supportaction_informed_index"),
    ("operations", "0002_encounter_operations__role_96b83e_idx_and_more"),
]
AFTER = [
    ("support", "0005_concernhandling"),
    ("operations", "0003_concern_handling_moves_to_support"),
]
PREFIX = "migration-test-"
UTC = dt.UTC
T0 = dt.datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
# Each report's handling as it was on the report; the first was never acted on.
HANDLED: list[dict[str, Any]] = [
    {},
    {
        "status": "assessed",
        "protection_assessed_at": T0 + dt.timedelta(hours=1),
        "protection_assessment": "Ingen akut fara.",
    },
    {
        "status": "closed",
        "protection_assessed_at": T0 + dt.timedelta(hours=2),
        "protection_assessment": "Placerad hos jour.",
        "decision": "open",
        "decided_at": T0 + dt.timedelta(days=3),
        "investigation_closed_at": T0 + dt.timedelta(days=90),
        "closed_at": T0 + dt.timedelta(days=91),
        "closure_reason": "Flyttat.",
    },
]
FIELDS = (
    "status",
    "protection_assessed_at",
    "protection_assessment",
    "decision",
    "decided_at",
    "investigation_closed_at",
    "closed_at",
    "closure_reason",
    "handled_by_id",
)


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the database to ``targets``; the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def make_reports(apps: Any) -> tuple[list[int], int, int]:
    agency_model = apps.get_model("accounts", "Agency")
    police = agency_model.objects.create(code=f"{PREFIX}police", name="Polis", kind="police")
    social = agency_model.objects.create(code=f"{PREFIX}social", name="Soc", kind="social_services")
    collaboration = apps.get_model("accounts", "Collaboration").objects.create(
        code=f"{PREFIX}collab", name="Test", valid_from=dt.date(2024, 1, 1)
    )
    user = apps.get_model("accounts", "User").objects.create(username=f"{PREFIX}worker")
    report_model = apps.get_model("operations", "ChildConcernReport")
    ids = []
    for handling in HANDLED:
        values = {**handling, "handled_by_id": user.pk} if handling else {}
        report = report_model.objects.create(
            collaboration=collaboration,
            subject="exploited",
            reporter_agency=police,
            reported_by=user,
            addressed_to=social,
            created_at=T0,
            **values,
        )
        ids.append(report.pk)
    return ids, social.pk, user.pk


def remove_rows(apps: Any, ids: list[int]) -> None:
    apps.get_model("support", "ConcernHandling").objects.filter(report_id__in=ids).delete()
    apps.get_model("operations", "ChildConcernReport").objects.filter(pk__in=ids).delete()
    apps.get_model("accounts", "User").objects.filter(username__startswith=PREFIX).delete()
    apps.get_model("accounts", "Collaboration").objects.filter(code__startswith=PREFIX).delete()
    apps.get_model("accounts", "Agency").objects.filter(code__startswith=PREFIX).delete()


def test_the_handling_moves_to_support_and_back(django_db_setup: None, django_db_blocker: Any) -> None:
    ids: list[int] = []
    with django_db_blocker.unblock():
        try:
            ids, social, user = make_reports(migrate(BEFORE))

            after = migrate(AFTER)
            report_fields = {f.name for f in after.get_model("operations", "ChildConcernReport")._meta.get_fields()}
            assert not report_fields & {"status", "protection_assessment", "handled_by"}
            handlings = {
                h["report_id"]: h
                for h in after.get_model("support", "ConcernHandling")
                .objects.filter(report_id__in=ids)
                .values("report_id", "agency_id", *FIELDS)
            }
            assert sorted(handlings) == ids[1:]  # nobody acted on the first: no row
            for pk, handling in zip(ids[1:], HANDLED[1:], strict=True):
                row = handlings[pk]
                assert row["agency_id"] == social
                assert row["handled_by_id"] == user
                for name, value in handling.items():
                    assert row[name] == value, name

            before = migrate(BEFORE)
            rows = {
                r["pk"]: r
                for r in before.get_model("operations", "ChildConcernReport")
                .objects.filter(pk__in=ids)
                .values("pk", *FIELDS)
            }
            assert rows[ids[0]]["status"] == "received"
            assert rows[ids[0]]["handled_by_id"] is None
            for pk, handling in zip(ids[1:], HANDLED[1:], strict=True):
                assert {name: rows[pk][name] for name in handling} == handling
                assert rows[pk]["handled_by_id"] == user
        finally:
            # Back to the latest migrations of every app (later ones than AFTER exist).
            latest = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
            if ids:
                remove_rows(latest, ids)
