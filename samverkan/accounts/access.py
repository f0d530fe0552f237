"""Scoped querysets and access functions, driven by the policy table.

``visible(qs, user, record, action)`` narrows any queryset to what the
policy lets ``user`` reach; ``access_or_404`` fetches one record through
that gate, writes the ``view`` (or ``denied``) audit event in the same
transaction, and answers 404 for hidden and missing alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar

from django.core.paginator import Page, Paginator
from django.db import models, transaction
from django.http import Http404, HttpRequest

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction

M = TypeVar("M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[M]):
    """A queryset that turns the policy's scope into a filter (after NetBox's RestrictedQuerySet).

    Each model's queryset names its record type and, where they differ from the
    defaults, the paths to the collaboration, the owning agency and the agency
    that created the record. ``visible_to(user, action)`` is then the one way
    into the records; views never filter by agency themselves.
    """

    record_type: ClassVar[RecordType]
    collaboration_path: ClassVar[str] = "collaboration"
    agency_path: ClassVar[str] = "agency"
    created_by_agency_path: ClassVar[str] = "reporter_agency"

    def visible_to(self, user: Any, action: Action = Action.LIST) -> Self:
        """The part that ``user`` may reach with ``action`` (never for aggregates only)."""
        scope = user_scope(user, self.record_type, action)
        if scope is Scope.COLLABORATION:
            return self.filter(**{f"{self.collaboration_path}__in": user.collaborations()})
        if scope is Scope.OWN_AGENCY:
            return self.filter(**{self.agency_path: user.agency})
        if scope is Scope.CREATED_BY_OWN_AGENCY:
            return self.filter(**{self.created_by_agency_path: user.agency})
        if scope is Scope.DISCLOSED:
            return self.disclosed_to(user)
        if scope is Scope.SUMMARY:
            return self.summary_for(user)
        return self.none()

    def summary_for(self, user: Any) -> Self:
        """Records a user reads as a summary (``Scope.SUMMARY``). None here: a type whose records
        make a summary (tips, networks) says which of them, its queryset overriding this."""
        return self.none()

    def disclosed_to(self, user: Any) -> Self:
        """Records disclosed to the user's agency. None here: the disclosure gate's queryset
        (``sharing.gate.DisclosableQuerySet``) reaches them, for the types that can be disclosed."""
        return self.none()


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


def signed_in(request: HttpRequest) -> User:
    """The user of a request that ``@login_required`` let through."""
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def audited_page(
    request: HttpRequest,
    objects: Any,
    *,
    user: User,
    record: RecordType,
    detail: str | Callable[[Page[Any]], str] = "",
    size: int = 50,
) -> Page[Any]:
    """The page of a list that the request asks for, its reading audited in the same transaction.

    The event's detail is ``page=N`` followed by ``detail`` (what the list was filtered by,
    or a function of the page for what was shown on it); a page number that is not one
    gives the first or the last page, as Django's paginator does.
    """
    with transaction.atomic():
        page = Paginator(objects, size).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        said = detail(page) if callable(detail) else detail
        do_record_event(
            user=user,
            action=AuditAction.LIST,
            record_type=record,
            detail=f"page={page.number}; {said}" if said else f"page={page.number}",
        )
    return page


def require_list(user: User, record: RecordType, action: Action = Action.LIST) -> Scope:
    """The scope for a list page; 404 (audited as ``denied``) if the user reaches no records."""
    scope = user_scope(user, record, action)
    if scope in (Scope.NONE, Scope.AGGREGATE):
        do_record_event(
            user=user, action=AuditAction.DENIED, record_type=record, detail=f"{action} page"
        )
        raise Http404
    return scope


def require(user: Any, record: RecordType, action: Action) -> Scope:
    """The scope for a write; raises PermissionDenied (403) for a read-only user."""
    from django.core.exceptions import PermissionDenied

    scope = user_scope(user, record, action)
    if scope in (Scope.NONE, Scope.AGGREGATE, Scope.DISCLOSED):
        raise PermissionDenied
    return scope
