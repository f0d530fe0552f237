"""Social services' handling of child-concern reports becomes their own record.

The handling lived on the shared report in ``operations``, which the police
may read. This migration creates ``ConcernHandling`` (keyed by the report,
owned by the agency the report is addressed to) and carries every report
that anyone had acted on over to it; ``operations/0003`` then drops the
fields from the report, and runs after this one (``run_before``), so that
operations never depends on support. Reversible: going back copies the
handling onto the report again before the table is dropped.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The handling fields as they were on operations.ChildConcernReport (same names here).
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
# A report nobody has acted on has these values and gets no handling row.
UNTOUCHED = {
    "status": "received",
    "protection_assessed_at": None,
    "protection_assessment": "",
    "decision": "",
    "decided_at": None,
    "investigation_closed_at": None,
    "closed_at": None,
    "closure_reason": "",
    "handled_by": None,
}
BATCH = 1000


def copy_to_handling(apps, schema_editor):
    report_model = apps.get_model("operations", "ChildConcernReport")
    handling_model = apps.get_model("support", "ConcernHandling")
    db = schema_editor.connection.alias
    handled = (
        report_model.objects.using(db)
        .exclude(**UNTOUCHED)
        .order_by("pk")
        .values("pk", "addressed_to_id", *FIELDS)
    )
    batch = []
    for row in handled.iterator(chunk_size=BATCH):
        values = {name: row[name] for name in FIELDS}
        batch.append(handling_model(report_id=row["pk"], agency_id=row["addressed_to_id"], **values))
        if len(batch) >= BATCH:
            handling_model.objects.using(db).bulk_create(batch)
            batch = []
    if batch:
        handling_model.objects.using(db).bulk_create(batch)


def copy_to_report(apps, schema_editor):
    report_model = apps.get_model("operations", "ChildConcernReport")
    handling_model = apps.get_model("support", "ConcernHandling")
    db = schema_editor.connection.alias
    rows = handling_model.objects.using(db).order_by("pk").values("report_id", *FIELDS)
    for row in rows.iterator(chunk_size=BATCH):
        values = {name: row[name] for name in FIELDS}
        report_model.objects.using(db).filter(pk=row["report_id"]).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_stockholm_reference"),
        ("operations", "0002_encounter_operations__role_96b83e_idx_and_more"),
        ("support", "0004_supportaction_informed_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # The report loses its handling fields only after they have been copied here.
    run_before = [("operations", "0003_concern_handling_moves_to_support")]

    operations = [
        migrations.CreateModel(
            name="ConcernHandling",
            fields=[
                (
                    "report",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="operations.childconcernreport",
                        verbose_name="child-concern report",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("received", "Received"),
                            ("assessed", "Protection assessed"),
                            ("investigating", "Investigation opened"),
                            ("not_investigated", "No investigation opened"),
                            ("closed", "Closed"),
                        ],
                        default="received",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("protection_assessed_at", models.DateTimeField(blank=True, null=True, verbose_name="protection assessed")),
                ("protection_assessment", models.TextField(blank=True, verbose_name="protection assessment")),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[("open", "Open an investigation"), ("none", "Do not open an investigation")],
                        max_length=8,
                        verbose_name="decision",
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided")),
                ("investigation_closed_at", models.DateTimeField(blank=True, null=True, verbose_name="investigation finished")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed")),
                ("closure_reason", models.TextField(blank=True, verbose_name="reason for closing without a referral")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="handled by",
                    ),
                ),
            ],
            options={
                "verbose_name": "handling of a child-concern report",
                "verbose_name_plural": "handling of child-concern reports",
            },
        ),
        migrations.RunPython(copy_to_handling, copy_to_report),
    ]
