from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from samverkan.sharing.gate import Disclosable


class SupportConfig(AppConfig):
    name = "samverkan.support"
    label = "support"
    verbose_name = _("Support")

    def disclosable_records(self) -> tuple[Disclosable[Any], ...]:
        """What social services can disclose (read by ``sharing.gate.registry``)."""
        from samverkan.support.disclosure import RECORDS

        return RECORDS

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's child-concern panel (read by ``web.views.start``)."""
        from samverkan.support.panels import start_panels

        return start_panels(user)

    def reminders(self, agency: Any, now: Any) -> Any:
        """Deadlines to remind of (read by ``notices.reminders``)."""
        from samverkan.support.panels import reminders

        return reminders(agency, now)

    def nav_counts(self, user: Any) -> list[Any]:
        """The counter on the menu's child-concern reports (read by ``web.navigation``)."""
        from samverkan.support.panels import nav_counts

        return nav_counts(user)
