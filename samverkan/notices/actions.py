"""Creating notifications and marking them read.

The apps that own the work call ``do_notify`` inside their own ``do_*`` actions (a new
child-concern report, a disclosure request and its answer), in the same transaction,
so a notification exists if and only if what it points to does. Reminders of
deadlines come from the reminder job (``reminders.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from samverkan.accounts.models import Agency, Role, User
from samverkan.accounts.policy import Action, RecordType, scope
from samverkan.notices.models import Notice, NoticeKind, NoticeQuerySet


def members_who_can(agency: Agency | int, record: RecordType, action: Action) -> list[User]:
    """The active users of ``agency`` whose role the policy lets do ``action`` on ``record``."""
    roles = [role for role in Role if scope(role, record, action)]
    agency_id = agency if isinstance(agency, int) else agency.pk
    return list(
        User.objects.filter(
            is_active=True, membership_record__agency_id=agency_id, membership_record__role__in=roles
        )
    )


def do_notify(recipients: Iterable[User | int], kind: NoticeKind | str, link: str, key: str = "") -> int:
    """Notify each recipient once (a non-empty ``key`` is notified once per recipient).

    Returns how many notifications were created.
    """
    kind = NoticeKind(kind)
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    if not ids:
        return 0
    with transaction.atomic():
        if key:
            already = set(Notice.objects.filter(recipient_id__in=ids, key=key).values_list("recipient_id", flat=True))
            ids = [i for i in ids if i not in already]
        now = timezone.now()
        Notice.objects.bulk_create(
            [Notice(recipient_id=i, kind=kind, link=link[:300], key=key[:100], created_at=now) for i in ids],
            ignore_conflicts=bool(key),
        )
    return len(ids)


def do_mark_read(user: Any, notices: NoticeQuerySet | None = None) -> int:
    """Mark the user's notifications read: the ones given (of theirs), or all of them."""
    mine = Notice.objects.of(user).unread()
    if notices is not None:
        mine = mine.filter(pk__in=notices.values("pk"))
    return mine.update(read_at=timezone.now())
