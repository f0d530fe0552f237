"""Venues' keys by the one rule for places (lib.places.venue_key): the city after a street's comma,
a postcode and the short forms of gatan/vägen no longer make a second venue.

Keys are recomputed; where two existing venues would now share a key, the later keeps its old
key (both stay, a person can merge them), so the unique constraint holds.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from samverkan.lib.places import venue_key


def recompute(apps: Any, schema_editor: Any) -> None:
    Venue = apps.get_model("operations", "Venue")
    taken: set[tuple[int, str, str]] = set()
    changed = []
    venues = list(Venue.objects.order_by("pk"))
    for venue in venues:
        taken.add((venue.collaboration_id, venue.kind, venue.search_key))
    for venue in venues:
        key = venue_key(venue.name, venue.address)
        slot = (venue.collaboration_id, venue.kind, key)
        if key == venue.search_key or slot in taken:
            continue
        taken.discard((venue.collaboration_id, venue.kind, venue.search_key))
        taken.add(slot)
        venue.search_key = key
        changed.append(venue)
    # One at a time in key order would still collide with an old key moving later; no two
    # changed venues share a key (taken), and no unchanged venue holds one, so a bulk update is safe
    # on PostgreSQL (constraint checked per statement) but not row by row: go through a free key first.
    for venue in changed:
        Venue.objects.filter(pk=venue.pk).update(search_key=f"~{venue.pk}")
    for venue in changed:
        Venue.objects.filter(pk=venue.pk).update(search_key=venue.search_key)


class Migration(migrations.Migration):
    dependencies = [("operations", "0004_field_staff_check_in_visits_corrections")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
