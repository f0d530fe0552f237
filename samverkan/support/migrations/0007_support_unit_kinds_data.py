"""Every support unit gets its new kind and whom it serves.

The old kinds map onto the new ones (a city unit is social services' own
support, a civil-society unit a voluntary organisation's, a national one a
national line or programme); a unit for children also serves children. Then
the reference units are seeded again, which gives them their exact kind and
groups (KAST: a programme serving sex buyers; ECPAT Hotline: a tip line).
Referrals keep pointing at the same units.
"""

from typing import Any

from django.db import migrations

OLD_TO_NEW = {
    "city_unit": "social_services",
    "civil_society": "ngo_support",
    "national": "national_support",
    "health_care": "health_care",
    "shelter": "shelter",
}
NEW_TO_OLD = {
    "social_services": "city_unit",
    "ngo_support": "civil_society",
    "national_support": "national",
    "health_care": "health_care",
    "shelter": "shelter",
    "buyer_programme": "city_unit",
    "tip_line": "civil_society",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    from samverkan.support.reference import seed_support_units

    SupportUnit = apps.get_model("support", "SupportUnit")
    for old, new in OLD_TO_NEW.items():
        SupportUnit.objects.filter(kind=old).update(kind=new)
    SupportUnit.objects.filter(accepts_minors=True).update(serves_children=True)
    seed_support_units(apps)


def backwards(apps: Any, schema_editor: Any) -> None:
    SupportUnit = apps.get_model("support", "SupportUnit")
    for new, old in NEW_TO_OLD.items():
        SupportUnit.objects.filter(kind=new).update(kind=old)


class Migration(migrations.Migration):
    dependencies = [("support", "0006_support_unit_kind_and_served_groups")]
    operations = [migrations.RunPython(forwards, backwards)]
