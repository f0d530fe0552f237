"""The main menu: one entry per page a role works with, decided by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, can


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    record: RecordType | None
    action: Action


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


# Order is the menu's order. Entries whose page does not exist yet are skipped.
ENTRIES: tuple[NavEntry, ...] = (
    NavEntry(_("Start"), "web:start", None, Action.VIEW),
    NavEntry(_("Shifts"), "operations:shift_list", RecordType.SHIFT, Action.LIST),
    NavEntry(_("Venues"), "operations:venue_list", RecordType.VENUE, Action.LIST),
    NavEntry(_("Map"), "planning:map", RecordType.VENUE, Action.LIST),
    NavEntry(_("Patterns"), "planning:patterns", RecordType.VENUE, Action.LIST),
    NavEntry(_("Clients"), "support:client_list", RecordType.CLIENT, Action.LIST),
    NavEntry(_("Encounters without a client"), "support:unlinked_list", RecordType.CLIENT, Action.UPDATE),
    NavEntry(_("Child-concern reports"), "support:concern_inbox", RecordType.CONCERN_HANDLING, Action.LIST),
    NavEntry(_("Crime reports"), "investigations:report_list", RecordType.CRIME_REPORT, Action.LIST),
    NavEntry(_("Disclosures"), "sharing:inbox", RecordType.DISCLOSURE, Action.LIST),
    NavEntry(_("Disclosures"), "sharing:counts", RecordType.DISCLOSURE, Action.AGGREGATE),
    NavEntry(_("Register extracts"), "extracts:list", RecordType.REGISTER_EXTRACT, Action.LIST),
    NavEntry(_("Results"), "reports:results", RecordType.SHIFT, Action.AGGREGATE),
    NavEntry(_("Audit log"), "audit:event_list", RecordType.AUDIT_EVENT, Action.LIST),
    NavEntry(_("Users"), "useradmin:index", RecordType.USER, Action.LIST),
    NavEntry(_("Retention rules"), "retention:rules", RecordType.RETENTION_RULE, Action.LIST),
    NavEntry(_("Tips"), "intel:tip_list", RecordType.TIP, Action.LIST),
    NavEntry(_("Submit a tip"), "intel:tip_create", RecordType.TIP, Action.CREATE),
    NavEntry(_("Networks"), "intel:network_list", RecordType.NETWORK, Action.LIST),
)


def nav_items(user: User) -> list[NavItem]:
    items: list[NavItem] = []
    for entry in ENTRIES:
        if entry.record is not None and not can(user, entry.record, entry.action):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(str(entry.label), url))
    return items
