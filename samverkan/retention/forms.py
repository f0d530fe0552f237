from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LiftHoldForm(forms.Form):
    reason = forms.CharField(label=_("Why the hold is lifted"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class StartPurgeForm(forms.Form):
    """The button pressed on the rules page: a dry run (nothing changes) or the purge."""

    mode = forms.ChoiceField(choices=[("dry_run", _("Dry run")), ("purge", _("Purge"))])
