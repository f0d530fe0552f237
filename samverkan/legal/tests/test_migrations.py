"""The move of the reference tables from ``investigations`` and ``sharing`` keeps every row.

(``legal.0003`` then refreshes the seeded rows from ``reference.py``, as the
old apps' seeding did; rows it does not seed are left as they are.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from samverkan.legal.models import LegalBasis, Offence, OffencePenalty
from samverkan.legal.reference import (
    LEGAL_BASES,
    OFFENCE_PENALTIES,
    OFFENCES,
    seed_legal_bases,
    seed_offences,
)

# The last migrations before the move.
BEFORE = [
    ("legal", None),
    ("investigations", "0003_crimereport_investigati_committ_c20313_idx"),
    ("sharing", "0003_disclosure_concern_report"),
]


def migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to ``targets``; the historical app registry of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    reached = [(app, name) for app, name in targets if name is not None]
    return executor.loader.project_state(reached).apps


@pytest.fixture
def moved_back() -> Iterator[Any]:
    """The schema as it was before the move, put forward again afterwards whatever happens."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        yield migrate(BEFORE)
    finally:
        migrate(latest)
        seed_offences()
        seed_legal_bases()


@pytest.mark.django_db(transaction=True)
def test_moving_the_tables_keeps_every_row(moved_back: Any) -> None:
    old = moved_back
    OldOffence = old.get_model("investigations", "Offence")
    OldBasis = old.get_model("sharing", "LegalBasis")
    OldPenalty = old.get_model("sharing", "OffencePenalty")
    assault = OldOffence.objects.create(
        key="test-brb-3-6", code="BrB 3:6", name="grov misshandel", valid_from=dt.date(2020, 1, 1)
    )
    OldPenalty.objects.create(offence=assault, minimum_penalty_one_year=True)
    OldBasis.objects.create(
        code="test-basis", provision="Test", name="Entered before the move", direction="to_police"
    )
    offences = set(OldOffence.objects.values_list("pk", "key", "name", "valid_from"))
    bases = set(OldBasis.objects.values_list("pk", "code", "name"))
    penalties = set(OldPenalty.objects.values_list("pk", "offence__key", "minimum_penalty_one_year"))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Every row is still there, unchanged; ``legal.0003`` may only have added seeded
    # rows (the database may have been flushed before this test).
    offences_after = set(Offence.objects.values_list("pk", "key", "name", "valid_from"))
    bases_after = set(LegalBasis.objects.values_list("pk", "code", "name"))
    penalties_after = set(
        OffencePenalty.objects.values_list("pk", "offence__key", "minimum_penalty_one_year")
    )
    assert offences <= offences_after
    assert bases <= bases_after
    assert penalties <= penalties_after
    assert {key for _, key, *_ in offences_after - offences} <= {row.key for row in OFFENCES}
    assert {code for _, code, _ in bases_after - bases} <= {row.code for row in LEGAL_BASES}
    assert {key for _, key, _ in penalties_after - penalties} <= {
        row.offence_key for row in OFFENCE_PENALTIES
    }
    assert Offence._meta.db_table == "legal_offence"
    assert {"legal_offence", "legal_legalbasis", "legal_offencepenalty"} <= set(
        connection.introspection.table_names()
    )
    assert not {"investigations_offence", "sharing_legalbasis"} & set(
        connection.introspection.table_names()
    )
