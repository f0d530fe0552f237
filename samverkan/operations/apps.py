from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "samverkan.operations"
    label = "operations"
    verbose_name = _("Operations")

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.operations.panels import start_panels

        return start_panels(user)
