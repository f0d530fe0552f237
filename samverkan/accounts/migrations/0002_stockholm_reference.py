"""Seed the Stockholm reference data: agencies, the collaboration, areas and mappings."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.accounts.reference import seed_stockholm

    seed_stockholm(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
