"""Who sees which figure: aggregates through the same policy as the records.

A figure is shown in exact (internal) form only to a role with an aggregate
scope on every record type it counts; the public version, whose small counts
are protected, to anyone who may open the results at all. Nobody sees an
identity through a report.
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.policy import Action, RecordType, Scope, can, user_scope

# The record types behind each figure and its follow-up.
FIGURE_RECORDS: dict[str, tuple[RecordType, ...]] = {
    "shifts": (RecordType.SHIFT,),
    "minors": (RecordType.ENCOUNTER,),
    "adults": (RecordType.ENCOUNTER,),
    "buyers": (RecordType.SUSPECT,),
    "minor_buyers": (RecordType.SUSPECT,),
}
FOLLOW_UP_RECORDS: dict[str, tuple[RecordType, ...]] = {
    "minors": (RecordType.REFERRAL,),
    "adults": (RecordType.SUPPORT_ACTION,),
    "minor_buyers": (RecordType.CHILD_CONCERN_REPORT,),
}


def can_open_results(user: Any) -> bool:
    return can(user, RecordType.SHIFT, Action.AGGREGATE) or can(user, RecordType.ENCOUNTER, Action.AGGREGATE)


def exact_figures(user: Any) -> set[str]:
    """The figures (and "<figure>_followed_up") this user may see exactly."""
    allowed = set()
    for figure, records in FIGURE_RECORDS.items():
        if all(can(user, r, Action.AGGREGATE) for r in records):
            allowed.add(figure)
            follow = FOLLOW_UP_RECORDS.get(figure, ())
            if all(can(user, r, Action.AGGREGATE) for r in follow):
                allowed.add(f"{figure}_followed_up")
    return allowed


def can_list_minors_without_referral(user: Any) -> bool:
    """Social services (who may read their own clients) get the list of minors still without a referral."""
    # The owner's own scope: a disclosure to the police never opens this list.
    return all(
        user_scope(user, record, Action.LIST) is Scope.OWN_AGENCY
        for record in (RecordType.CLIENT, RecordType.REFERRAL)
    )
