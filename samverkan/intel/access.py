"""The ways into intelligence records: every view goes through these.

Hidden and missing records answer 404 and are audited as ``denied``
(``access_or_404``); a user who may read but not write gets 403 (``require``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel.models import Entity, IntelItem, Network, Tip

READING = (Scope.OWN_AGENCY, Scope.COLLABORATION)




def _summary_refused(user: User, record: RecordType, pk: Any, summary: bool) -> None:
    """A user who reads only a summary (``Scope.SUMMARY``) reaches the summary pages alone: 404 elsewhere."""
    if not summary and user_scope(user, record, Action.VIEW) is Scope.SUMMARY:
        do_record_event(user=user, action=AuditAction.DENIED, record_type=record, record_id=str(pk)[:64], detail="summary only")
        raise Http404


def access_tip(user: User, pk: Any, action: Action = Action.VIEW, *, summary: bool = False) -> Tip:
    """A tip; ``summary``: the page shows only ``policy.SUMMARY_FIELDS``, so a summary reader may open it."""
    _summary_refused(user, RecordType.TIP, pk, summary)
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


def access_network(user: User, key: str, action: Action = Action.VIEW, *, audit: bool = True, summary: bool = False) -> Network:
    """A network by its stable id; 404 for hidden and missing alike (and for a summary reader, unless ``summary``)."""
    _summary_refused(user, RecordType.NETWORK, key, summary)
    qs = Network.objects.visible_to(user, Action.VIEW).select_related("merged_into")
    pk = qs.filter(key=key).values_list("pk", flat=True).first()
    network = access_or_404(qs, user, RecordType.NETWORK, pk if pk is not None else key, action=action, audit=audit)
    if action not in (Action.VIEW, Action.LIST):
        require(user, RecordType.NETWORK, action)
    return network
