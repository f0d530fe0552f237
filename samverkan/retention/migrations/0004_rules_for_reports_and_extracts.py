"""The rules added since 0002 (the filed child-concern report, register extracts): seeded again, idempotent."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from samverkan.retention.reference import seed_retention_rules

    seed_retention_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("retention", "0003_record_type_register_extract")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
