from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "samverkan.sharing"
    label = "sharing"
    verbose_name = _("Disclosures")

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.sharing.panels import start_panels

        return start_panels(user)

    def nav_counts(self, user: Any) -> list[Any]:
        """The counter on this app's menu entry (read by ``web.navigation``)."""
        from samverkan.sharing.panels import nav_counts

        return nav_counts(user)
