"""The tips behind a shift, as a fragment of the shift page.

The shift page belongs to ``operations``, which is below ``intel`` and imports nothing of
it (an import contract, see docs/architecture.md). Intel contributes what it knows about a
shift here instead: the operations template loads this library and calls ``tips_behind``.
"""

from __future__ import annotations

from typing import Any

from django import template

from samverkan.accounts.access import signed_in
from samverkan.accounts.policy import Action
from samverkan.intel.models import Tip
from samverkan.operations.models import Shift

register = template.Library()


@register.inclusion_tag("intel/_shift_tips.html", takes_context=True)
def tips_behind(context: template.Context, shift: Shift) -> dict[str, Any]:
    """The tips a shift was planned from: readable ones linked, the others only counted.

    Tips are readable by the police's analysts alone (the policy table); the staff on
    the shift learn that there are tips behind it, and whom to ask, but not what they say.
    """
    user = signed_in(context["request"])
    tips = Tip.objects.filter(shift=shift)
    readable = list(tips.visible_to(user, Action.VIEW).order_by("submitted_at", "pk"))
    return {"tips_readable": readable, "tips_unreadable": tips.count() - len(readable)}
