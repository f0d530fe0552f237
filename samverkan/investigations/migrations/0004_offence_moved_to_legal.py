"""Offences now belong to ``legal`` (``legal.0001``).

State only, no row or table is touched: a crime report's offence points at
``legal.Offence``, and this app forgets the model. After ``sharing.0004``,
which points the disclosures' offence away from this app's model first.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0003_crimereport_investigati_committ_c20313_idx"),
        ("legal", "0001_initial"),
        ("sharing", "0004_legal_reference_moved"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="crimereport",
            name="offence",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="crime_reports", to="legal.offence", verbose_name="offence"),
        ),
        migrations.DeleteModel(name="Offence"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
