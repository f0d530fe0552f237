"""The disclosure gate: what each agency can disclose, and the one way to read what was.

Each owning app declares once, next to its models, what it can disclose: a
``Disclosable`` per record type, with the fields (name, label, how to read the
value), how a requester can name the record (an encounter both agencies see,
a police case number), how the owner recognises it, and the facts the legal
rules need (the subject's age, consent). The app's ``AppConfig`` returns its
declarations from ``disclosable_records()``; the gate finds them through
Django's app registry, so ``sharing`` imports no agency app.

On a disclosed read, pages receive a ``Projection`` from ``read`` or
``read_many``: the record's id, a title and the granted fields' values, and
nothing else. No model instance of the other agency ever reaches a view or a
template, so no template has to remember which fields to leave out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, Self, TypeVar

from django.apps import apps
from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import AgencyKind, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.audit.owners import owner_mark
from samverkan.legal.provisions import Direction
from samverkan.sharing.models import Disclosure
from samverkan.sharing.rules import SubjectAge

M = TypeVar("M", bound=models.Model)

# What a disclosed field shows: a text, or lines of text (a list of identifiers, encounters).
Value = str | list[str]


@dataclass(frozen=True)
class DisclosableField:
    name: str
    label: str | Promise
    # The value as shown to the recipient; only called for a granted field.
    read: Callable[[Any], Value]
    long_text: bool = False
    # Whether the field exists for this record at all (e.g. only for offences against a child).
    applies: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Summary:
    """A few words that let the owner recognise its own record (never shown to the recipient)."""

    pk: int
    title: str
    lines: list[str]

    @property
    def label(self) -> str:
        return f"{self.title} ({', '.join(self.lines)})" if self.lines else self.title


@dataclass(frozen=True)
class Disclosable(Generic[M]):
    """One record type an agency can disclose, declared by the app that owns it."""

    record_type: RecordType
    owner_kind: AgencyKind
    model: type[M]
    fields: tuple[DisclosableField, ...]
    # The path from the record to its owning agency.
    owner_path: str
    # Paths from the record to an encounter that names it.
    encounter_paths: tuple[str, ...]
    # The field whose value titles the record when it is granted; else ``untitled``.
    title_field: str
    untitled: Callable[[M], str]
    summary: Callable[[M], Summary]
    # The person's age as the legal rules see it, at the naming encounter or on the day.
    subject_age: Callable[[M, int | None, dt.date], SubjectAge]
    # Whether the person has consented to the disclosure at that moment.
    consent: Callable[[M, dt.datetime], bool] = lambda record, at: False
    # The path to a police case number, if a requester may name the record by one.
    case_number_path: str | None = None
    # The URL name of the record's page (one argument: the id), and how to find the id.
    url_name: str = ""
    url_id: Callable[[M], int] | None = None
    select_related: tuple[str, ...] = ()
    # Whether even the owner's own reader must say why before the record is shown (e.g. a
    # client with protected personal data); the pages and the API ask for a purpose first.
    needs_purpose: Callable[[M], bool] | None = None

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def by_case_number(self) -> bool:
        return self.case_number_path is not None

    @property
    def direction(self) -> Direction:
        if self.owner_kind == AgencyKind.SOCIAL_SERVICES:
            return Direction.TO_POLICE
        return Direction.TO_SOCIAL_SERVICES

    def label(self, name: str) -> str:
        for f in self.fields:
            if f.name == name:
                return str(f.label)
        return name

    def labels(self, names: object) -> list[str]:
        """Labels of ``names`` in the declaration's order (unknown names are left out)."""
        chosen = set(names) if isinstance(names, (list, tuple, set, frozenset)) else set()
        return [str(f.label) for f in self.fields if f.name in chosen]

    def records(self) -> models.QuerySet[M]:
        """Every record of the type, unscoped: the gate narrows it before anyone sees a row."""
        manager: Any = self.model._default_manager
        qs: models.QuerySet[M] = manager.all()
        return qs.select_related(*self.select_related) if self.select_related else qs


# --- The declarations, found through Django's app registry ----------------------------------


@cache
def registry() -> dict[str, Disclosable[Any]]:
    """Record type → its declaration, from every installed app's ``disclosable_records()``."""
    found: dict[str, Disclosable[Any]] = {}
    for config in apps.get_app_configs():
        declare = getattr(config, "disclosable_records", None)
        if declare is None:
            continue
        for declared in declare():
            found[str(declared.record_type)] = declared
    return found


def entry(record_type: str) -> Disclosable[Any] | None:
    return registry().get(str(record_type))


def record_types_owned_by(kind: str) -> list[str]:
    return [rt for rt, e in registry().items() if e.owner_kind == kind]


def record_types_requestable_by(kind: str) -> list[str]:
    """An agency asks the other kind of agency for its records, never its own kind."""
    return [rt for rt, e in registry().items() if e.owner_kind != kind]


def record_url(record_type: str, record: Any | None, record_id: int | None) -> str | None:
    """The page of a record (its own, or its client's), for whoever may open it."""
    registered = entry(record_type)
    if registered is None or not registered.url_name:
        return None
    if registered.url_id is not None:
        if record is None:
            return None
        return reverse(registered.url_name, args=[registered.url_id(record)])
    if record_id is None:
        return None
    return reverse(registered.url_name, args=[record_id])


# --- Grants ------------------------------------------------------------------------------


def grants(user: Any, record_type: RecordType | str) -> dict[int, frozenset[str]]:
    """Record id → the declared fields that current, delivered disclosures grant ``user``.

    Need-to-know: a disclosure reaches the persons it names (the requester and the colleagues
    they named, as the owner narrowed them), the requester's unit if the owner chose it, or for
    a child-concern report the agency it is addressed to; and only until its ``valid_until``.
    Everyone else of the receiving agency is granted nothing.
    """
    registered = entry(str(record_type))
    if registered is None or user is None or not getattr(user, "is_authenticated", False):
        return {}
    membership = user.membership
    if membership is None or membership.agency.kind == registered.owner_kind:
        # An agency never needs a disclosure of its own kind's records.
        return {}
    rows = (
        Disclosure.objects.delivered()
        .current(timezone.localdate())
        .reaching(user)
        .filter(record_type=str(record_type))
        .values_list("record_id", "fields_granted")
    )
    found: dict[int, set[str]] = {}
    for record_id, fields in rows:
        if record_id is None:
            continue
        found.setdefault(record_id, set()).update(
            f for f in fields or () if f in registered.field_names
        )
    return {pk: frozenset(fields) for pk, fields in found.items() if fields}


class DisclosableQuerySet(RestrictedQuerySet[M]):
    """A restricted queryset whose ``DISCLOSED`` scope reaches the records disclosed to the user."""

    def disclosed_to(self, user: Any) -> Self:
        return self.filter(pk__in=list(grants(user, self.record_type)))


def is_disclosed_read(user: Any, record_type: RecordType) -> bool:
    """Whether ``user`` reads records of this type only through disclosures."""
    return user_scope(user, record_type, Action.VIEW) is Scope.DISCLOSED


# --- Projections: what a recipient sees ------------------------------------------------------


@dataclass(frozen=True)
class ProjectedField:
    name: str
    label: str
    value: Value
    long_text: bool = False

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


@dataclass(frozen=True)
class Projection:
    """A disclosed record as its recipient sees it: only the granted values, never the model."""

    record_type: str
    pk: int
    title: str
    fields: tuple[ProjectedField, ...]
    # The field that gives the title, if granted (not repeated below the title).
    title_field: str = ""

    @property
    def body(self) -> tuple[ProjectedField, ...]:
        """The fields below the title."""
        return tuple(f for f in self.fields if not (f.name == self.title_field and f.value == self.title))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def value(self, name: str) -> Value | None:
        for f in self.fields:
            if f.name == name:
                return f.value
        return None


def project(registered: Disclosable[Any], record: Any, granted: Iterable[str]) -> Projection:
    chosen = set(granted)
    fields = tuple(
        ProjectedField(f.name, str(f.label), f.read(record), f.long_text)
        for f in registered.fields
        if f.name in chosen and (f.applies is None or f.applies(record))
    )
    title_value = next((f.value for f in fields if f.name == registered.title_field), None)
    title = title_value if isinstance(title_value, str) and title_value else registered.untitled(record)
    return Projection(
        str(registered.record_type), int(record.pk), title, fields, registered.title_field
    )


def _registered(record_type: RecordType | str) -> Disclosable[Any]:
    registered = entry(str(record_type))
    if registered is None:
        raise LookupError(f"{record_type} is not declared as disclosable")
    return registered


class PurposeRequired(Exception):
    """A disclosed record is read only for a stated purpose, which its audit event keeps."""

    def __init__(self, record_type: str, pk: int) -> None:
        super().__init__(f"{record_type} {pk}: a purpose is required")
        self.record_type = record_type
        self.pk = pk


def _owner_codes(registered: Disclosable[Any], ids: Iterable[int | None]) -> dict[int, str]:
    """The agency holding each record, so that its auditors see every read of it."""
    wanted = [pk for pk in ids if pk is not None]
    if not wanted:
        return {}
    rows = (
        registered.model._default_manager.filter(pk__in=wanted)
        .values_list("pk", f"{registered.owner_path}__code")
    )
    return {pk: code or "" for pk, code in rows}


def _disclosed_before(user: User, registered: Disclosable[Any], pk: int | None) -> str:
    """The owner of a record once delivered to the user's agency (for someone else, or lapsed),
    so that its auditors see the refused read; "" for any other record, whose existence the
    reader's own auditors must not learn from the mark either."""
    membership = user.membership
    if pk is None or membership is None:
        return ""
    code = (
        Disclosure.objects.delivered()
        .filter(
            requesting_agency_id=membership.agency_id,
            record_type=str(registered.record_type),
            record_id=pk,
        )
        .values_list("owning_agency__code", flat=True)
        .first()
    )
    return code or ""


def audit_reads(
    user: User,
    record_type: RecordType | str,
    owners: Mapping[int, str],
    *,
    action: AuditAction = AuditAction.VIEW,
    purpose: str = "",
    detail: str = "",
) -> None:
    """Audit disclosed reads so that the owning agencies' auditors see them too.

    A ``view`` per record; a ``list`` per owning agency naming the records' ids.
    """
    with transaction.atomic():
        if action == AuditAction.LIST:
            by_owner: dict[str, list[int]] = {}
            for pk, owner in owners.items():
                by_owner.setdefault(owner, []).append(pk)
            if not by_owner:
                do_record_event(
                    user=user, action=action, record_type=str(record_type), detail=f"{detail}; ids="
                )
            for owner, pks in sorted(by_owner.items()):
                ids = ",".join(str(pk) for pk in sorted(pks))
                do_record_event(
                    user=user,
                    action=action,
                    record_type=str(record_type),
                    purpose=purpose,
                    detail=owner_mark(owner) + f"{detail}; ids={ids}",
                )
            return
        for pk, owner in owners.items():
            do_record_event(
                user=user,
                action=action,
                record_type=str(record_type),
                record_id=pk,
                purpose=purpose,
                detail=owner_mark(owner) + (detail or "disclosed"),
            )


def read(
    user: User, record_type: RecordType | str, pk: Any, *, purpose: str, detail: str = ""
) -> Projection:
    """One record disclosed to the user, as a projection, read for ``purpose``; audited.

    Hidden, missing, never-disclosed and lapsed records alike answer 404 and are audited as
    ``denied`` (seen by the owner's auditors when the record exists). A record that may be read
    raises ``PurposeRequired`` until a purpose is given; the purpose goes into the read's event.
    """
    registered = _registered(record_type)
    granted = grants(user, record_type) if is_disclosed_read(user, registered.record_type) else {}
    try:
        key: int | None = int(pk)
    except (TypeError, ValueError):
        key = None
    if key is not None and not 0 < key < 2**63:
        key = None
    record = registered.records().filter(pk=key).first() if key in granted else None
    if record is None:
        do_record_event(
            user=user,
            action=AuditAction.DENIED,
            record_type=str(record_type),
            record_id=str(pk)[:64],
            detail=owner_mark(_disclosed_before(user, registered, key)) + "disclosed read",
        )
        raise Http404
    assert key is not None
    purpose = purpose.strip()
    if not purpose:
        raise PurposeRequired(str(record_type), key)
    audit_reads(
        user, record_type, _owner_codes(registered, [key]), purpose=purpose, detail=detail
    )
    return project(registered, record, granted[key])


def read_many(
    user: User,
    record_type: RecordType | str,
    *,
    where: Mapping[str, Any] | None = None,
    ids: Iterable[int] | None = None,
    detail: str = "",
    purpose: str = "",
    audit: bool = True,
) -> list[Projection]:
    """The records disclosed to the user (narrowed by ``where``/``ids``), audited each."""
    registered = _registered(record_type)
    if not is_disclosed_read(user, registered.record_type):
        return []
    granted = grants(user, record_type)
    wanted = set(granted) if ids is None else set(granted) & set(ids)
    if not wanted:
        return []
    records = registered.records().filter(pk__in=wanted, **(where or {})).order_by("pk")
    projections = [project(registered, r, granted[r.pk]) for r in records]
    if audit and projections:
        audit_reads(
            user,
            record_type,
            _owner_codes(registered, [p.pk for p in projections]),
            purpose=purpose,
            detail=detail,
        )
    return projections


def owners_of(record_type: RecordType | str, ids: Iterable[int]) -> dict[int, str]:
    """The owning agency of each record in ``ids``, for a list page's audit event."""
    return _owner_codes(_registered(record_type), ids)
