"""The owner's side: which of its records a request names, and the facts the rules need.

A requester names a record by an encounter both agencies see, or by a police
case number. Only a user of the owning agency resolves that, through the
owner's own ``visible_to``; the requester is never told whether anything
matched until the owner has decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from samverkan.accounts.models import Agency
from samverkan.accounts.policy import Action
from samverkan.legal.case_numbers import normalise_case_number
from samverkan.legal.models import Offence, OffencePenalty
from samverkan.legal.provisions import brb_chapter
from samverkan.sharing.gate import Disclosable, Summary, entry
from samverkan.sharing.rules import Facts, OffenceFacts


@dataclass(frozen=True)
class Subject:
    """How a record was named: its type, and an encounter or a case number."""

    record_type: str
    encounter_id: int | None = None
    case_number: str = ""


def _owner_records(user: Any, registered: Disclosable[Any], owner: Agency) -> models.QuerySet[Any]:
    manager: Any = registered.model._default_manager
    records: models.QuerySet[Any] = manager.visible_to(user, Action.VIEW)
    return records.filter(**{registered.owner_path: owner})


def resolve(user: Any, owner: Agency, subjects: Iterable[Subject]) -> dict[Subject, list[Any]]:
    """Each subject → the owner's records it names, as ``user`` (of the owner) sees them.

    A few queries per record type for any number of subjects, so that an inbox
    page does not run one query per row.
    """
    wanted: dict[str, list[Subject]] = {}
    for subject in subjects:
        if entry(subject.record_type) is not None:
            wanted.setdefault(subject.record_type, []).append(subject)
    found: dict[Subject, dict[int, Any]] = {}
    for record_type, group in wanted.items():
        lookup = entry(record_type)
        assert lookup is not None
        base = _owner_records(user, lookup, owner)
        encounter_ids = {s.encounter_id for s in group if s.encounter_id is not None}
        numbers = {normalise_case_number(s.case_number) for s in group if s.case_number}
        by_encounter: dict[int, dict[int, Any]] = {}
        by_number: dict[str, dict[int, Any]] = {}
        if encounter_ids:
            for path in lookup.encounter_paths:
                rows = base.annotate(named_by=F(path)).filter(named_by__in=encounter_ids)
                for record in rows:
                    by_encounter.setdefault(record.named_by, {})[record.pk] = record
        if numbers and lookup.case_number_path:
            path = lookup.case_number_path
            for record in base.annotate(named_by=F(path)).filter(named_by__in=numbers):
                by_number.setdefault(record.named_by, {})[record.pk] = record
        for subject in group:
            matches: dict[int, Any] = {}
            if subject.encounter_id is not None:
                matches |= by_encounter.get(subject.encounter_id, {})
            if subject.case_number:
                matches |= by_number.get(normalise_case_number(subject.case_number), {})
            found[subject] = matches
    return {
        subject: sorted(found.get(subject, {}).values(), key=lambda r: r.pk) for subject in subjects
    }


def candidates(user: Any, owner: Agency, subject: Subject) -> list[Any]:
    return resolve(user, owner, [subject])[subject]


def owner_record(user: Any, record_type: str, owner: Agency, record_id: Any) -> Any | None:
    """One of the owner's records by id, as ``user`` (of the owner) sees it."""
    registered = entry(record_type)
    if registered is None:
        return None
    try:
        return _owner_records(user, registered, owner).filter(pk=int(record_id)).first()
    except (TypeError, ValueError):
        return None


def stored_record(record_type: str, owner: Agency, record_id: int | None) -> Any | None:
    """The disclosed record, read by the system to re-check a decision (never shown)."""
    registered = entry(record_type)
    if registered is None or record_id is None:
        return None
    return registered.records().filter(**{registered.owner_path: owner, "pk": record_id}).first()


# --- What the owner sees of a candidate, and the facts the rules check ----------------


def summary(record_type: str, record: Any) -> Summary:
    """A few words that let the owner recognise its own record."""
    registered = entry(record_type)
    if registered is None:
        return Summary(int(record.pk), str(record), [])
    return registered.summary(record)


def offence_facts(offence: Offence, on: dt.date) -> OffenceFacts:
    at_least_a_year = (
        OffencePenalty.objects.valid_on(on)
        .filter(offence=offence, minimum_penalty_one_year=True)
        .exists()
    )
    return OffenceFacts(str(offence), brb_chapter(offence.code), at_least_a_year)


def facts_for(
    record_type: str,
    record: Any,
    *,
    encounter_id: int | None,
    offence: Offence | None,
    at: dt.datetime,
) -> Facts:
    """The facts of disclosing ``record`` at ``at`` (a decision, or an oral disclosure)."""
    registered = entry(record_type)
    assert registered is not None
    on = timezone.localdate(at)
    return Facts(
        direction=registered.direction,
        subject_age=registered.subject_age(record, encounter_id, on),
        on=on,
        offence=offence_facts(offence, on) if offence is not None else None,
        consent=registered.consent(record, at),
    )
