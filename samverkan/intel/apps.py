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
