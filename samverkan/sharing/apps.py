from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "samverkan.sharing"
    label = "sharing"
    verbose_name = _("Disclosures")

    def ready(self) -> None:
        # Cross-agency reads are opened by delivered disclosures, and by nothing else.
        from samverkan.accounts.policy import register_disclosure_provider
        from samverkan.sharing.access import granted_fields

        register_disclosure_provider(granted_fields)
