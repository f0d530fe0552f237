from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "samverkan.notices"
    label = "notices"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def job_kinds(self) -> list[object]:
        from samverkan.notices.reminders import JOB_KINDS

        return list(JOB_KINDS)
