"""Start-page panel of the audit log: an auditor's search, ready to type into."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.lib.panels import Line, Panel


def start_panels(user: User) -> list[Panel]:
    if user_scope(user, RecordType.AUDIT_EVENT, Action.LIST) is not Scope.OWN_AGENCY:
        return []
    listing = reverse("audit:event_list")
    form = AuditEventFilterForm(auto_id="start_%s")
    return [
        Panel(
            "audit_search", _("Who read or changed what"), 5,
            notes=(_("Choose a record type and give its id to see everyone who read it, or search by user."),),
            form=form,
            form_action=listing,
            form_submit=_("Search the log"),
            link=Line(_("Open the whole log"), listing),
        )
    ]
