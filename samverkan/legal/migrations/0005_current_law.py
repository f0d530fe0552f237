"""The law as now in force: dated offence names, the missing offences, the bases, the deadlines.

Existing crime reports keep pointing at the same offences: an offence row is the
provision, and its old and new names become dated ``OffenceName`` rows. A
disclosure made under OSL 10:28 alone is pointed at the duty-to-report basis
in force on its day, which now carries that route (SoL 14:1 with OSL 10:28),
before the merged row is removed.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def forwards(apps: Any, schema_editor: Any) -> None:
    from samverkan.legal.reference import (
        DUTY_TO_REPORT_BASES,
        MERGED_BASES,
        seed_concern_deadlines,
        seed_legal_bases,
        seed_offences,
    )

    seed_offences(apps)
    seed_legal_bases(apps)
    seed_concern_deadlines(apps)
    LegalBasis = apps.get_model("legal", "LegalBasis")
    Disclosure = apps.get_model("sharing", "Disclosure")
    duty = list(LegalBasis.objects.filter(code__in=DUTY_TO_REPORT_BASES))
    for merged in LegalBasis.objects.filter(code__in=MERGED_BASES):
        for disclosure in Disclosure.objects.filter(legal_basis=merged):
            moment = disclosure.decided_at or disclosure.requested_at
            day = moment.astimezone(STOCKHOLM).date()
            target = next(
                (
                    b
                    for b in duty
                    if (b.valid_from is None or b.valid_from <= day) and (b.valid_to is None or b.valid_to >= day)
                ),
                None,
            )
            if target is None:
                continue
            disclosure.legal_basis = target
            disclosure.save(update_fields=["legal_basis"])
        if not Disclosure.objects.filter(legal_basis=merged).exists():
            merged.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0004_dated_offence_names_and_concern_deadlines"),
        ("sharing", "0004_legal_reference_moved"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
