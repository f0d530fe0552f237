from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "samverkan.retention"
    label = "retention"
    verbose_name = _("Retention and purge")
    default_auto_field = "django.db.models.BigAutoField"

    def job_kinds(self) -> list[object]:
        from samverkan.retention.jobs import JOB_KINDS

        return list(JOB_KINDS)
