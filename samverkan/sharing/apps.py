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

        # Social services' concern-report page shows who a report from the police is about.
        from samverkan.sharing.concerns import concern_identities
        from samverkan.support.concern_identities import register_concern_identity_provider

        register_concern_identity_provider(concern_identities)
