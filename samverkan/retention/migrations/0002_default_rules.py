"""The default retention rules and exemptions (``retention/reference.py``)."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from samverkan.retention.reference import seed_retention_rules

    seed_retention_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_rules_and_holds")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
