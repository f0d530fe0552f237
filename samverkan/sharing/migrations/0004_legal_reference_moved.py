"""Legal bases and minimum penalties now belong to ``legal`` (``legal.0001``).

State only, no row or table is touched: the disclosure's offence and legal
basis point at ``legal``'s models, and this app forgets the two models.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0001_initial"),
        ("sharing", "0003_disclosure_concern_report"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="disclosure",
            name="offence",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="legal.offence", verbose_name="suspected offence"),
        ),
        migrations.AlterField(
            model_name="disclosure",
            name="legal_basis",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="disclosures", to="legal.legalbasis", verbose_name="legal basis"),
        ),
        migrations.DeleteModel(name="OffencePenalty"),
        migrations.DeleteModel(name="LegalBasis"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
