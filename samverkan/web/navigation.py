"""The main menu: one entry per page a role works with, decided by the access policy.

Beside an entry, what waits for the user there (``NavCount``): each app that owns the
work counts it through its access functions (``AppConfig.nav_counts(user)``), found
through the app registry as the start page finds its panels, so ``web`` imports none
of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.lib.panels import NavCount


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
    counts: tuple[NavCount, ...] = ()

    @property
    def name(self) -> str:
        """The link's name as a screen reader says it: "Child-concern reports, 3 new, 1 overdue"."""
        return ", ".join((self.label, *(count.text for count in self.counts)))


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


def nav_counts(user: User) -> dict[str, tuple[NavCount, ...]]:
    """What waits for ``user``, by the menu entry's page, from every app that counts it."""
    by_page: dict[str, tuple[NavCount, ...]] = {}
    for config in apps.get_app_configs():
        declare = getattr(config, "nav_counts", None)
        if declare is None:
            continue
        for count in declare(user):
            by_page[count.url_name] = (*by_page.get(count.url_name, ()), count)
    return by_page


def nav_items(user: User) -> list[NavItem]:
    """The entries the user's role may open, each with what waits there."""
    entries = [
        entry for entry in ENTRIES if entry.record is None or can(user, entry.record, entry.action)
    ]
    counts = nav_counts(user) if entries else {}
    items: list[NavItem] = []
    for entry in entries:
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(str(entry.label), url, counts.get(entry.url_name, ())))
    return items
