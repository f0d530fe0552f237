from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class NoticeListForm(forms.Form):
    """The notifications page's query: all or only unread, and the page."""

    unread = forms.BooleanField(required=False, label=_("Only unread"))
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
