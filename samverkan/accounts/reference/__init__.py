"""Reference data and the idempotent seeding used by the migration and the demo."""

from __future__ import annotations

from typing import Any


def seed_stockholm(apps: Any = None) -> None:
    """Create or refresh the Stockholm agencies, collaboration, areas and mappings.

    ``apps`` is a migration's app registry (historical models); without it the
    current models are used, e.g. after a test database was flushed.
    """
    from samverkan.accounts.reference import stockholm as ref

    if apps is None:
        from django.apps import apps as current_apps

        apps = current_apps
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

    by_code: dict[str, Any] = {}
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
