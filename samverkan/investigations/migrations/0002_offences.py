"""Seed the offences of the Penal Code that the collaboration reports."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.investigations.reference import seed_offences

    seed_offences(apps)


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
