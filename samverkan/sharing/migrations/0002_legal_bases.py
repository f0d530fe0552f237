"""Seed the legal bases for disclosures and the offences' minimum penalties."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.sharing.reference import seed_legal_bases

    seed_legal_bases(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_initial"),
        ("investigations", "0002_offences"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
