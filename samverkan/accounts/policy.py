"""The access policy: role × record type × action → scope.

This module is the single place where Samverkan decides who may do what
(DESIGN.md §4). Querysets (``visible_to``), access functions and views ask it;
none of them decides on its own. ``tests/test_policy.py`` walks every cell.

A *scope* says how far a permission reaches, not only whether it exists:
a social worker may read clients of their own agency only, a police officer
may read a client only through what a disclosure granted, and a manager sees
counts but never a record.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Role

if TYPE_CHECKING:
    from samverkan.accounts.models import Agency, User


class RecordType(models.TextChoices):
    SHIFT = "shift", _("Shift")
    VENUE = "venue", _("Venue")
    ENCOUNTER = "encounter", _("Encounter")
    CLIENT = "client", _("Client")
    SUPPORT_ACTION = "support_action", _("Support action")
    REFERRAL = "referral", _("Referral")
    CHILD_CONCERN_REPORT = "child_concern_report", _("Child-concern report")
    CONCERN_HANDLING = "concern_handling", _("Handling of a child-concern report")
    CRIME_REPORT = "crime_report", _("Crime report")
    SUSPECT = "suspect", _("Suspect")
    TIP = "tip", _("Tip")
    INTEL_ITEM = "intel_item", _("Intelligence item")
    ENTITY = "entity", _("Entity")
    NETWORK = "network", _("Network")
    DISCLOSURE = "disclosure", _("Disclosure")
    AUDIT_EVENT = "audit_event", _("Audit event")
    USER = "user", _("User")
    REGISTER_EXTRACT = "register_extract", _("Register extract")
    RETENTION_RULE = "retention_rule", _("Retention rule")
    LEGAL_HOLD = "legal_hold", _("Legal hold")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    LIST = "list", _("list")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    AGGREGATE = "aggregate", _("aggregate")


class Scope(enum.Enum):
    """How far a granted action reaches. ``NONE`` is a denial."""

    NONE = "none"
    # Shared facts of every collaboration the user's agency belongs to.
    COLLABORATION = "collaboration"
    # Records that belong to the user's own agency.
    OWN_AGENCY = "own_agency"
    # Records the user's own agency created (police: child-concern reports it filed).
    CREATED_BY_OWN_AGENCY = "created_by_own_agency"
    # Only the fields of the other agency's records that a disclosure granted.
    DISCLOSED = "disclosed"
    # Counts over the collaboration; never a single record.
    AGGREGATE = "aggregate"
    # A summary of the collaboration's records: only the parts ``SUMMARY_FIELDS`` names
    # (a coordinator plans from tips and networks, never learning a tip's source).
    SUMMARY = "summary"

    def __bool__(self) -> bool:
        return self is not Scope.NONE


_PO, _PI, _PA = Role.POLICE_OFFICER, Role.POLICE_INVESTIGATOR, Role.POLICE_ANALYST
_SW, _CO, _MA, _AU, _AD = (
    Role.SOCIAL_WORKER,
    Role.COORDINATOR,
    Role.MANAGER,
    Role.AUDITOR,
    Role.ADMIN,
)
_POLICE = (_PO, _PI, _PA)

_V, _L, _C, _U, _D, _E, _G = (
    Action.VIEW,
    Action.LIST,
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.EXPORT,
    Action.AGGREGATE,
)

Cell = dict[Action, Scope]


def _grant(scope: Scope, *actions: Action) -> Cell:
    return dict.fromkeys(actions, scope)


_READ_WRITE = (_V, _L, _C, _U)
_READ = (_V, _L)
_AGG = _grant(Scope.AGGREGATE, _G)


def _build() -> dict[tuple[Role, RecordType], Cell]:
    t: dict[tuple[Role, RecordType], Cell] = {}

    def put(roles: Iterable[Role], records: Iterable[RecordType], cell: Cell) -> None:
        for role in roles:
            for record in records:
                t.setdefault((role, record), {}).update(cell)

    rt = RecordType
    # Shared minimal facts: shifts and venues are planned and run together.
    put((*_POLICE, _SW, _CO), (rt.SHIFT, rt.VENUE), _grant(Scope.COLLABORATION, *_READ_WRITE, _G))
    put((*_POLICE, _SW), (rt.ENCOUNTER,), _grant(Scope.COLLABORATION, *_READ_WRITE, _G))
    put((_CO,), (rt.ENCOUNTER,), _grant(Scope.COLLABORATION, *_READ, _G))
    put((_MA,), (rt.SHIFT, rt.VENUE, rt.ENCOUNTER), _AGG)

    # Social services' own records.
    social = (rt.CLIENT, rt.SUPPORT_ACTION, rt.REFERRAL)
    put((_SW,), social, _grant(Scope.OWN_AGENCY, *_READ_WRITE, _G))
    put(_POLICE, social, _grant(Scope.DISCLOSED, _V, _L))
    put((_MA,), social, _AGG)

    # Child-concern reports: the police file them and read their own; social services read
    # those addressed to them. The handling (assessment, decision, closure) is social
    # services' own record, which the police never see.
    put(_POLICE, (rt.CHILD_CONCERN_REPORT,), _grant(Scope.OWN_AGENCY, _C))
    put(_POLICE, (rt.CHILD_CONCERN_REPORT,), _grant(Scope.CREATED_BY_OWN_AGENCY, _V, _L))
    put((_SW,), (rt.CHILD_CONCERN_REPORT,), _grant(Scope.OWN_AGENCY, _V, _L, _G))
    put((_SW,), (rt.CONCERN_HANDLING,), _grant(Scope.OWN_AGENCY, *_READ_WRITE, _G))
    put((_MA,), (rt.CHILD_CONCERN_REPORT, rt.CONCERN_HANDLING), _AGG)

    # Police records.
    police = (rt.CRIME_REPORT, rt.SUSPECT)
    put((_PO, _PI), police, _grant(Scope.OWN_AGENCY, *_READ_WRITE, _G))
    put((_PA,), police, _grant(Scope.OWN_AGENCY, *_READ, _G))
    put((_SW,), police, _grant(Scope.DISCLOSED, _V, _L))
    put((_MA,), police, _AGG)

    # Tips: anyone working cases may submit one; police analysts read them. Coordinators
    # plan the shifts from them: they read the collaboration's tips as a summary (what,
    # where, when, status), never the source nor the analysts' notes.
    put((*_POLICE, _SW, _CO), (rt.TIP,), _grant(Scope.OWN_AGENCY, _C))
    put((_PA,), (rt.TIP,), _grant(Scope.OWN_AGENCY, *_READ, _U))
    put((_CO,), (rt.TIP,), _grant(Scope.SUMMARY, *_READ))

    # Intelligence: police analysts and investigators only. Coordinators see the networks of
    # their collaborations' agencies as a summary (figures, places, kinds of indicators), to plan
    # shifts at their venues; never the items, entities, links or evidence.
    intel = (rt.INTEL_ITEM, rt.ENTITY, rt.NETWORK)
    put((_PA, _PI), intel, _grant(Scope.OWN_AGENCY, *_READ_WRITE, _E))
    put((_CO,), (rt.NETWORK,), _grant(Scope.SUMMARY, *_READ))

    # Disclosures: each agency requests and decides about its own agency's data.
    put((*_POLICE, _SW), (rt.DISCLOSURE,), _grant(Scope.OWN_AGENCY, *_READ_WRITE))
    put((_MA,), (rt.DISCLOSURE,), _AGG)

    # The audit log: an agency's auditors read and export their own agency's log.
    put((_AU,), (rt.AUDIT_EVENT,), _grant(Scope.OWN_AGENCY, _V, _L, _E))

    # Register extracts (GDPR art. 15; the Criminal Data Act's right of access): each agency
    # answers for what it holds itself, by the handlers who work its cases.
    put((_SW, _PI), (rt.REGISTER_EXTRACT,), _grant(Scope.OWN_AGENCY, *_READ_WRITE, _E))
    # Retention: an agency's administrators read the rules in force for their kind of agency;
    # those who work an agency's records place (and lift) a legal hold on one of them.
    put((_AD,), (rt.RETENTION_RULE,), _grant(Scope.OWN_AGENCY, *_READ))
    # Applying the rules (a dry run, or the purge, of the agency's own records as a background
    # job) is the administrator's too: an update of the rules' state, never a read of a record.
    put((_AD,), (rt.RETENTION_RULE,), _grant(Scope.OWN_AGENCY, _U))
    put((*_POLICE, _SW), (rt.LEGAL_HOLD,), _grant(Scope.OWN_AGENCY, *_READ_WRITE))

    # User accounts: administrators manage their own agency's users, and see no case data.
    put((_AD,), (rt.USER,), _grant(Scope.OWN_AGENCY, _V, _L, _C, _U, _D))
    return t


POLICY: dict[tuple[Role, RecordType], Cell] = _build()


# What a summary shows, by record type: the only parts a ``Scope.SUMMARY`` reaches, named
# as model.field. Pages for a summary show these and nothing else; the leak crawl
# (tests/test_leak_crawl.py) checks that nothing more reaches a coordinator. A tip's
# source (``TipSource``), its submitter and the analysts' assessment and closing note are
# not in it; nor are a network's items, entities, links and the indicators' evidence —
# only where the items place it (their city and street address), for planning.
SUMMARY_FIELDS: dict[RecordType, frozenset[str]] = {
    RecordType.TIP: frozenset({
        "Tip.what", "Tip.where", "Tip.city", "Tip.when_text", "Tip.observed_at", "Tip.venue_kind",
        "Tip.status", "Tip.relevance", "Tip.urgency", "Tip.submitted_at",
    }),
    RecordType.NETWORK: frozenset({
        "Network.key", "Network.figures", "Indicator.kind", "IntelItem.city", "IntelItem.address",
    }),
}


def scope(role: Role | str | None, record: RecordType, action: Action) -> Scope:
    """The scope that ``role`` has for ``action`` on ``record``; ``Scope.NONE`` if denied."""
    if role is None:
        return Scope.NONE
    try:
        role = Role(role)
    except ValueError:
        return Scope.NONE
    return POLICY.get((role, record), {}).get(action, Scope.NONE)


def user_scope(user: User | None, record: RecordType, action: Action) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope.NONE
    return scope(user.role, record, action)


def can(user: User | None, record: RecordType, action: Action) -> bool:
    return bool(user_scope(user, record, action))


# Who goes out in the field. Only these roles can be staffed on a shift, and a joint
# shift counts only when field staff of both agencies checked in (operations.actions).
# A coordinator goes out only where their agency says so (``Agency.coordinators_in_field``);
# analysts, managers, auditors and administrators never, as such.
FIELD_ROLES: frozenset[Role] = frozenset({_PO, _PI, _SW})
FIELD_ROLES_IF_AGENCY_SAYS: frozenset[Role] = frozenset({_CO})


def goes_out_in_field(role: Role | str | None, agency: Agency | None) -> bool:
    """Whether a member of ``agency`` in ``role`` can be staffed on a shift."""
    if role is None or agency is None:
        return False
    try:
        role = Role(role)
    except ValueError:
        return False
    if role in FIELD_ROLES:
        return True
    return role in FIELD_ROLES_IF_AGENCY_SAYS and agency.coordinators_in_field


def field_roles_of(agency: Agency) -> frozenset[Role]:
    """The roles of ``agency`` that can be staffed on a shift."""
    return FIELD_ROLES | (FIELD_ROLES_IF_AGENCY_SAYS if agency.coordinators_in_field else frozenset())


def is_field_staff(user: User | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return goes_out_in_field(user.role, user.agency)


def can_read_records(user: User | None, record: RecordType) -> bool:
    """Whether the user may read single records of this type (not only counts)."""
    s = user_scope(user, record, Action.VIEW)
    return s not in (Scope.NONE, Scope.AGGREGATE)


def reads_summary_only(user: User | None, record: RecordType) -> bool:
    """Whether the user reads records of this type only as a summary (``SUMMARY_FIELDS``)."""
    return user_scope(user, record, Action.VIEW) is Scope.SUMMARY
