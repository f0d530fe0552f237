from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "samverkan.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from samverkan.audit import checks  # noqa: F401  (registers the deployment checks)

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.audit.panels import start_panels

        return start_panels(user)
