"""Offences of the Penal Code (BrB) that the collaboration reports, and their seeding.

Names are dated data (DESIGN.md §6). ``valid_from`` ``None`` means "since
before the system's records". Verify against the statute book before
production use.

A 2025 bill renames BrB 6:11 and extends it to acts at a distance. Its new
name is not entered here until the law takes effect: then the current 6:11
rows get ``valid_to`` (the day before) and new rows with new keys, the new
name and ``valid_from`` are added — existing reports keep the name they were
registered under.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


class OffenceRow(NamedTuple):
    key: str
    code: str
    name: str
    attempt: bool = False
    counts_as_sex_purchase: bool = False
    child_victim: bool = False
    human_trafficking: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


OFFENCES: tuple[OffenceRow, ...] = (
    OffenceRow("brb-6-11", "BrB 6:11", "köp av sexuell tjänst", counts_as_sex_purchase=True),
    OffenceRow(
        "brb-6-11-forsok",
        "BrB 6:11",
        "försök till köp av sexuell tjänst",
        attempt=True,
        counts_as_sex_purchase=True,
    ),
    OffenceRow(
        "brb-6-9",
        "BrB 6:9",
        "köp av sexuell handling av barn",
        counts_as_sex_purchase=True,
        child_victim=True,
    ),
    # Counted with the completed offence: Brå counts per violated provision.
    OffenceRow(
        "brb-6-9-forsok",
        "BrB 6:9",
        "försök till köp av sexuell handling av barn",
        attempt=True,
        counts_as_sex_purchase=True,
        child_victim=True,
    ),
    OffenceRow("brb-6-12", "BrB 6:12", "koppleri"),
    OffenceRow("brb-6-12-grovt", "BrB 6:12", "grovt koppleri"),
    # Brå's split by purpose and by the victim's age is recorded on the report.
    OffenceRow("brb-4-1a", "BrB 4:1 a", "människohandel", human_trafficking=True),
)


def seed_offences(apps: Any = None) -> None:
    """Create or refresh the offences; idempotent.

    ``apps`` is a migration's app registry (historical models); without it the
    current models are used, e.g. after a test database was flushed.
    """
    if apps is None:
        from django.apps import apps as current_apps

        apps = current_apps
    Offence = apps.get_model("investigations", "Offence")
    for position, row in enumerate(OFFENCES, start=1):
        Offence.objects.update_or_create(
            key=row.key, defaults={**row._asdict(), "position": position}
        )
