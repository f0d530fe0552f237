"""The ways into intelligence records: every view goes through these.

Hidden and missing records answer 404 and are audited as ``denied``
(``access_or_404``); a user who may read but not write gets 403 (``require``).
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope
from samverkan.intel.models import Entity, IntelItem, Network, Tip

READING = (Scope.OWN_AGENCY, Scope.COLLABORATION)




def access_tip(user: User, pk: Any, action: Action = Action.VIEW) -> Tip:
    tip = access_or_404(
        Tip.objects.visible_to(user, Action.VIEW).select_related(
            "collaboration", "submitter_agency", "submitted_by", "venue", "operation", "shift__area", "network",
            "assessed_by", "intel_item",
        ),
        user, RecordType.TIP, pk, action=action,
    )
    if action is not Action.VIEW:
        require(user, RecordType.TIP, action)
    return tip


def access_item(user: User, pk: Any) -> IntelItem:
    return access_or_404(IntelItem.objects.visible_to(user, Action.VIEW), user, RecordType.INTEL_ITEM, pk)


def access_entity(user: User, pk: Any) -> Entity:
    return access_or_404(Entity.objects.visible_to(user, Action.VIEW), user, RecordType.ENTITY, pk)


def access_network(user: User, key: str, action: Action = Action.VIEW, *, audit: bool = True) -> Network:
    """A network by its stable id; 404 for hidden and missing alike."""
    qs = Network.objects.visible_to(user, Action.VIEW).select_related("merged_into")
    pk = qs.filter(key=key).values_list("pk", flat=True).first()
    network = access_or_404(qs, user, RecordType.NETWORK, pk if pk is not None else key, action=action, audit=audit)
    if action not in (Action.VIEW, Action.LIST):
        require(user, RecordType.NETWORK, action)
    return network
