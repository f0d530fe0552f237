"""Who sees which figure: aggregates through the same policy as the records.

A figure is shown in exact (internal) form only to a role with an aggregate
scope on every record type it counts (``definitions.records_needed``: its
declaration's, and those of the figure it is part of); the public version,
whose small counts are protected, to anyone who may open the results at all.
Nobody sees an identity through a report.
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.policy import Action, RecordType, Scope, can, user_scope
from samverkan.reports.definitions import NOTE_RECORDS, Figure, Note, records_needed


def can_open_results(user: Any) -> bool:
    return can(user, RecordType.SHIFT, Action.AGGREGATE) or can(user, RecordType.ENCOUNTER, Action.AGGREGATE)


def exact_figures(user: Any) -> set[Figure]:
    """The figures this user may see exactly."""
    return {figure for figure in Figure if all(can(user, r, Action.AGGREGATE) for r in records_needed(figure))}


def exact_notes(user: Any) -> set[Note]:
    """The notes beside the figures (uncertain age, unlinked encounters) this user may see exactly."""
    return {note for note, records in NOTE_RECORDS.items() if all(can(user, r, Action.AGGREGATE) for r in records)}


def can_list_minors_without_referral(user: Any) -> bool:
    """Social services (who may read their own clients) get the list of minors still without a referral."""
    # The owner's own scope: a disclosure to the police never opens this list.
    return all(
        user_scope(user, record, Action.LIST) is Scope.OWN_AGENCY
        for record in (RecordType.CLIENT, RecordType.REFERRAL)
    )
