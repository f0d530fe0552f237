"""Seed the offences, the legal bases for disclosures and the offences' minimum penalties.

Idempotent: on a database that had them from the old apps' migrations this
refreshes the same rows by key.
"""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.legal.reference import seed_legal_bases, seed_offences

    seed_offences(apps)
    seed_legal_bases(apps)


class Migration(migrations.Migration):
    dependencies = [("legal", "0002_tables")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
