"""Scoped querysets and access functions, driven by the policy table.

``visible(qs, user, record, action)`` narrows any queryset to what the
policy lets ``user`` reach; ``access_or_404`` fetches one record through
that gate, writes the ``view`` (or ``denied``) audit event in the same
transaction, and answers 404 for hidden and missing alike.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, disclosed_fields, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction

M = TypeVar("M", bound=models.Model)
QS = TypeVar("QS", bound="models.QuerySet[Any]")


def visible(
    qs: QS,
    user: Any,
    record: RecordType,
    action: Action = Action.LIST,
    *,
    collaboration: str = "collaboration",
    agency: str = "agency",
    created_by_agency: str = "reporter_agency",
) -> QS:
    """The part of ``qs`` that ``user`` may reach with ``action`` (never aggregates-only)."""
    scope = user_scope(user, record, action)
    if scope is Scope.COLLABORATION:
        return qs.filter(**{f"{collaboration}__in": user.collaborations()})
    if scope is Scope.OWN_AGENCY:
        return qs.filter(**{agency: user.agency})
    if scope is Scope.CREATED_BY_OWN_AGENCY:
        return qs.filter(**{created_by_agency: user.agency})
    if scope is Scope.DISCLOSED:
        return qs.filter(pk__in=list(disclosed_fields(user, record)))
    return qs.none()


def access_or_404(
    qs: models.QuerySet[M],
    user: User,
    record: RecordType,
    pk: Any,
    *,
    action: Action = Action.VIEW,
    purpose: str = "",
    audit: bool = True,
) -> M:
    """Fetch ``pk`` from the already-scoped ``qs``; audit the read; 404 if hidden or missing."""
    try:
        obj = qs.get(pk=pk)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        obj = None
    if obj is None:
        # Committed before the 404 is raised: a rollback must not erase the denial.
        do_record_event(
            user=user, action=AuditAction.DENIED, record_type=record, record_id=str(pk)[:64], detail=str(action)
        )
        raise Http404
    # A write is audited by the action that performs it; here only reads.
    if audit and action is Action.VIEW:
        do_record_event(user=user, action=AuditAction.VIEW, record_type=record, record_id=obj.pk, purpose=purpose)
    return obj


def require(user: Any, record: RecordType, action: Action) -> Scope:
    """The scope for a write; raises PermissionDenied (403) for a read-only user."""
    from django.core.exceptions import PermissionDenied

    scope = user_scope(user, record, action)
    if scope in (Scope.NONE, Scope.AGGREGATE, Scope.DISCLOSED):
        raise PermissionDenied
    return scope
