"""Seed the reference support units of the Stockholm case."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.support.reference import seed_support_units

    seed_support_units(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("accounts", "0002_stockholm_reference"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
