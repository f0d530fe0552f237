"""The shared child-concern report keeps only what was filed.

Social services' handling (status, assessment, decision, closure, handler)
moved to ``support.ConcernHandling``; ``support/0005`` copied it there and
declares that it runs before this migration, so that operations does not
depend on support. Reversed, the fields come back empty and
``support/0005``'s reversal fills them again.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0002_encounter_operations__role_96b83e_idx_and_more"),
    ]

    operations = [
        migrations.RemoveField(model_name="childconcernreport", name=name)
        for name in (
            "status",
            "protection_assessed_at",
            "protection_assessment",
            "decision",
            "decided_at",
            "investigation_closed_at",
            "closed_at",
            "closure_reason",
            "handled_by",
        )
    ]
