"""Seeded the legal bases and minimum penalties; they moved to ``legal``, which seeds them now.

Kept, empty, so that the migration history stays whole: ``legal.0003``
seeds (and on an older database refreshes) the same rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_initial"),
        ("investigations", "0002_offences"),
    ]
    operations = []
