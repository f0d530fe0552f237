"""Seed the Stockholm reference data: agencies, the collaboration, areas and mappings."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from samverkan.accounts.reference import stockholm as ref

    Agency = apps.get_model("accounts", "Agency")
    Collaboration = apps.get_model("accounts", "Collaboration")
    Area = apps.get_model("accounts", "Area")
    AreaMapping = apps.get_model("accounts", "AreaMapping")

    police, _ = Agency.objects.get_or_create(code=ref.POLICE[0], defaults={"name": ref.POLICE[1], "kind": ref.POLICE[2]})
    social, _ = Agency.objects.get_or_create(code=ref.SOCIAL[0], defaults={"name": ref.SOCIAL[1], "kind": ref.SOCIAL[2]})
    collab, _ = Collaboration.objects.get_or_create(
        code=ref.COLLABORATION[0], defaults={"name": ref.COLLABORATION[1], "valid_from": ref.COLLABORATION[2]}
    )
    collab.agencies.add(police, social)

    by_code = {}
    for agency, rows in ((police, ref.POLICE_AREAS), (social, ref.CITY_DISTRICTS)):
        for row in rows:
            area, _ = Area.objects.update_or_create(
                code=row.code,
                defaults={
                    "name": row.name,
                    "kind": row.kind,
                    "agency": agency,
                    "parent": by_code.get(row.parent) if row.parent else None,
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                    "note": row.note,
                },
            )
            by_code[row.code] = area
    for police_code, district_code, valid_from, valid_to in ref.AREA_MAPPINGS:
        AreaMapping.objects.get_or_create(
            police_area=by_code[police_code],
            district=by_code[district_code],
            valid_from=valid_from,
            defaults={"valid_to": valid_to},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
