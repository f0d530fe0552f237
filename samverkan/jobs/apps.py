from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "samverkan.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def job_kinds(self) -> list[Any]:
        """The audit log's export: ``audit`` is below the job machinery, so ``jobs`` declares it."""
        from samverkan.jobs.audit_export import JOB_KINDS

        return JOB_KINDS
