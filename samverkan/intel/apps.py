from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelConfig(AppConfig):
    name = "samverkan.intel"
    label = "intel"
    verbose_name = _("Intelligence")
    default_auto_field = "django.db.models.BigAutoField"

    def job_kinds(self) -> list[object]:
        from samverkan.intel.jobs import JOB_KINDS

        return list(JOB_KINDS)

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.intel.panels import start_panels

        return start_panels(user)

    def nav_counts(self, user: Any) -> list[Any]:
        """The counter on this app's menu entry (read by ``web.navigation``)."""
        from samverkan.intel.panels import nav_counts

        return nav_counts(user)
