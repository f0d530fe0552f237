"""The ways into intelligence records: every view goes through these.

Hidden and missing records answer 404 and are audited as ``denied``
(``access_or_404``); a user who may read but not write gets 403 (``require``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel.models import Entity, IntelItem, Network, Tip

READING = (Scope.OWN_AGENCY, Scope.COLLABORATION)


def signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def require_reader(user: User, record: RecordType, action: Action = Action.LIST) -> None:
    """404 (audited as denied) unless the user reads records of this type."""
    if user_scope(user, record, action) not in READING:
        do_record_event(user=user, action=AuditAction.DENIED, record_type=record, detail=str(action))
        raise Http404


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
