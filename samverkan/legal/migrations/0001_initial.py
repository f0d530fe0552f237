"""The legal reference data moves here from ``investigations`` and ``sharing``.

State only: the tables exist already (``investigations_offence``,
``sharing_legalbasis``, ``sharing_offencepenalty``) and keep every row; this
migration only tells Django that ``legal`` owns them. The old apps then point
their foreign keys here and forget the models (``investigations.0004``,
``sharing.0004``), and ``0002_tables`` renames the tables to ``legal_*``.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("investigations", "0003_crimereport_investigati_committ_c20313_idx"),
        ("sharing", "0003_disclosure_concern_report"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Offence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(max_length=64, unique=True, verbose_name="key")),
                ("code", models.CharField(max_length=32, verbose_name="provision")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("attempt", models.BooleanField(default=False, verbose_name="attempt")),
                ("valid_from", models.DateField(blank=True, null=True, verbose_name="valid from")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="valid to")),
                ("counts_as_sex_purchase", models.BooleanField(default=False, verbose_name="counts as a purchase of sex")),
                ("child_victim", models.BooleanField(default=False, verbose_name="child is the injured party")),
                ("human_trafficking", models.BooleanField(default=False, verbose_name="human trafficking")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
            ],
            options={
                "verbose_name": "offence",
                "verbose_name_plural": "offences",
                "ordering": ["position", "code", "attempt", "name", "valid_from"],
                "constraints": [models.CheckConstraint(condition=models.Q(("valid_to__isnull", True), ("valid_from__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"), name="offence_valid_period")],
                "db_table": "investigations_offence",
            },
        ),
        migrations.CreateModel(
            name="LegalBasis",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=64, unique=True, verbose_name="code")),
                ("provision", models.CharField(max_length=100, verbose_name="provision")),
                ("name", models.CharField(max_length=300, verbose_name="name")),
                ("direction", models.CharField(choices=[("to_police", "From social services to the police"), ("to_social_services", "From the police to social services")], max_length=32, verbose_name="direction")),
                ("concerns", models.CharField(choices=[("minors", "Persons under 18"), ("adults", "Persons 18 or over"), ("anyone", "Anyone")], default="anyone", max_length=16, verbose_name="may concern")),
                ("requires_consent", models.BooleanField(default=False, verbose_name="requires the person's consent")),
                ("offence_chapters", models.JSONField(blank=True, default=list, verbose_name="offence chapters (BrB)")),
                ("requires_minimum_penalty_one_year", models.BooleanField(default=False, verbose_name="requires an offence with a minimum penalty of at least one year")),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("valid_from", models.DateField(blank=True, null=True, verbose_name="valid from")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="valid to")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
            ],
            options={
                "verbose_name": "legal basis",
                "verbose_name_plural": "legal bases",
                "ordering": ["direction", "position", "code"],
                "constraints": [models.CheckConstraint(condition=models.Q(("valid_to__isnull", True), ("valid_from__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"), name="legal_basis_valid_period")],
                "db_table": "sharing_legalbasis",
            },
        ),
        migrations.CreateModel(
            name="OffencePenalty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("minimum_penalty_one_year", models.BooleanField(verbose_name="minimum penalty at least one year's imprisonment")),
                ("valid_from", models.DateField(blank=True, null=True, verbose_name="valid from")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="valid to")),
                ("offence", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="legal.offence", verbose_name="offence")),
            ],
            options={
                "verbose_name": "minimum penalty",
                "verbose_name_plural": "minimum penalties",
                "constraints": [models.UniqueConstraint(fields=("offence", "valid_from"), name="offence_penalty_once_per_period")],
                "db_table": "sharing_offencepenalty",
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
