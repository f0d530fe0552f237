"""``{% legal_hold "client" client %}``: the record's legal hold, and the form to place or lift it.

Used by the owning agency's record pages (the client's, the crime report's, the
suspect's); the hold's queries and fragment stay in ``retention``.
"""

from __future__ import annotations

from typing import Any

from django import template

from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.retention.forms import HoldForm, LiftHoldForm
from samverkan.retention.holdable import HOLDABLE
from samverkan.retention.models import LegalHold

register = template.Library()


@register.inclusion_tag("retention/_legal_hold.html", takes_context=True)
def legal_hold(context: dict[str, Any], record_type: str, record: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    holdable = HOLDABLE.get(record_type)
    shown = (
        holdable is not None
        and user is not None
        and user_scope(user, RecordType.LEGAL_HOLD, Action.VIEW) is Scope.OWN_AGENCY
        and holdable.owned_by(user.agency).filter(pk=record.pk).exists()
    )
    if not shown:
        return {"shown": False}
    hold = LegalHold.objects.active().filter(record_type=record_type, record_id=record.pk).select_related("placed_by").first()
    can_write = user_scope(user, RecordType.LEGAL_HOLD, Action.CREATE) is Scope.OWN_AGENCY
    return {
        "shown": True,
        "hold": hold,
        "record_type": record_type,
        "record": record,
        "can_write": can_write,
        "form": LiftHoldForm() if hold else HoldForm(),
        "csrf_token": context.get("csrf_token"),
    }
