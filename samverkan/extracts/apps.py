from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExtractsConfig(AppConfig):
    name = "samverkan.extracts"
    label = "extracts"
    verbose_name = _("Register extracts")
    default_auto_field = "django.db.models.BigAutoField"
