from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from samverkan.sharing.gate import Disclosable


class InvestigationsConfig(AppConfig):
    name = "samverkan.investigations"
    label = "investigations"
    verbose_name = _("Investigations")

    def disclosable_records(self) -> tuple[Disclosable[Any], ...]:
        """What the police can disclose (read by ``sharing.gate.registry``)."""
        from samverkan.investigations.disclosure import RECORDS

        return RECORDS

    def start_panels(self, user: Any) -> list[Any]:
        """The start page's panels of this app (read by ``web.views.start``)."""
        from samverkan.investigations.panels import start_panels

        return start_panels(user)
