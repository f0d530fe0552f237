from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "samverkan.reports"
    label = "reports"
    verbose_name = _("Results")

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.reports.panels import start_panels

        return start_panels(user)

    def job_kinds(self) -> list[Any]:
        """The results' downloads, built in the background (``jobs.py``)."""
        from samverkan.reports.jobs import JOB_KINDS

        return JOB_KINDS
