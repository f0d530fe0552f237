from django.utils.translation import gettext_lazy as _
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "samverkan.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
