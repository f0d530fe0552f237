"""Start-page panels of social services: child-concern reports that need someone now.

For the social worker who handles them: the new ones nobody has acted on, those with a
deadline within two days, those past a deadline, the most urgent named by number (a
report's number and deadline, never who it is about). For a manager: the same counts
for their agency, as figures. Reminders of deadlines for the notifications' job are here
too, where the deadlines are known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from samverkan.accounts.models import Agency, AgencyKind, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.legal.models import ConcernDeadline, ConcernDeadlineKind
from samverkan.lib.panels import Line, NavCount, Panel
from samverkan.notices.actions import members_who_can
from samverkan.notices.models import NoticeKind
from samverkan.notices.reminders import DUE_WITHIN, Reminder
from samverkan.operations.models import ChildConcernReport
from samverkan.operations.panels import when
from samverkan.support.models import (
    ConcernDecision,
    ConcernHandling,
    concern_reports_handled_by,
    open_concern_reports,
)
from samverkan.support.views import DEADLINE_WARNING, ConcernRow, deadlines_of

SHOWN = 5


def _rows(
    reports: Iterable[ChildConcernReport],
    now: dt.datetime,
    deadlines: list[ConcernDeadline] | None = None,
) -> list[ConcernRow]:
    far = now + dt.timedelta(days=3650)
    return sorted(
        (ConcernRow(h, deadlines_of(h, now)) for h in ConcernHandling.of_each(reports, deadlines)),
        key=lambda row: (row.next_due or far, row.report.pk),
    )


def _counts(rows: list[ConcernRow]) -> tuple[int, int, int]:
    new = sum(1 for row in rows if row.handling._state.adding)
    overdue = sum(1 for row in rows if row.overdue)
    soon = sum(1 for row in rows if not row.overdue and any(d.soon for d in row.deadlines))
    return new, soon, overdue


def _count_lines(rows: list[ConcernRow], url: str) -> tuple[Line, ...]:
    new, soon, overdue = _counts(rows)
    return (
        Line(_("New, nobody has acted on them yet"), url, new, "warn" if new else ""),
        Line(_("A deadline within %(days)s days") % {"days": DEADLINE_WARNING.days}, url, soon, "warn" if soon else ""),
        Line(_("Past a deadline"), url, overdue, "danger" if overdue else ""),
    )


def concern_panel(user: User, now: dt.datetime) -> Panel | None:
    scope = user_scope(user, RecordType.CONCERN_HANDLING, Action.LIST)
    inbox = reverse("support:concern_inbox")
    if scope is Scope.OWN_AGENCY:
        rows = _rows(open_concern_reports(concern_reports_handled_by(user)), now)
        urgent = [row for row in rows if row.overdue or row.handling._state.adding or any(d.soon for d in row.deadlines)]
        named = tuple(
            Line(
                _("Report #%(number)s: %(step)s %(when)s") % {
                    "number": row.report.pk,
                    "step": row.deadlines[0].label if row.deadlines else "",
                    "when": when(row.deadlines[0].due) if row.deadlines else "",
                },
                reverse("support:concern_detail", args=[row.report.pk]),
                tone="danger" if row.overdue else "warn",
            )
            for row in urgent[:SHOWN]
        )
        return Panel(
            "concerns", _("Child-concern reports"), 5,
            lines=_count_lines(rows, inbox) + named,
            link=Line(_("Open the child-concern reports"), inbox),
        )
    if scope is Scope.AGGREGATE or user_scope(user, RecordType.CONCERN_HANDLING, Action.AGGREGATE) is Scope.AGGREGATE:
        agency = user.agency
        if agency is None or agency.kind != AgencyKind.SOCIAL_SERVICES:
            return None
        # Figures for the manager's own agency: counts, never a report.
        rows = _rows(open_concern_reports(ChildConcernReport.objects.filter(addressed_to=agency)), now)
        new, soon, overdue = _counts(rows)
        return Panel(
            "concern_counts", _("Child-concern reports of your agency"), 30,
            lines=(
                Line(_("Open"), count=len(rows)),
                Line(_("New, nobody has acted on them yet"), count=new, tone="warn" if new else ""),
                Line(_("A deadline within %(days)s days") % {"days": DEADLINE_WARNING.days}, count=soon),
                Line(_("Past a deadline"), count=overdue, tone="danger" if overdue else ""),
            ),
        )
    return None


def start_panels(user: User) -> list[Panel]:
    panel = concern_panel(user, timezone.now())
    return [panel] if panel is not None else []


# --- The menu's counter --------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernCounts:
    """What waits in a handler's inbox.

    New and overdue as the start page and the inbox count them (a new report can be
    overdue too); due soon only among those someone has acted on, as a new one is due
    soon by nature (its protection assessment is due within a day) and is said as new.
    """

    new: int  # nobody has acted on it yet (the start page's "new")
    soon: int  # acted on, a deadline within DEADLINE_WARNING, none past
    overdue: int  # past a deadline (the inbox's "Overdue"), new or not


def _start_by(horizon: dt.datetime, rule: ConcernDeadline) -> dt.datetime:
    """The latest start of a step from which ``rule`` can make it due by ``horizon``.

    Days are exact; a month is never shorter than 28 days, less an hour for a change
    of the clocks in between (months run in local calendar time).
    """
    if rule.months is not None:
        return horizon - dt.timedelta(days=28 * rule.months, hours=1)
    return horizon - dt.timedelta(days=rule.days or 0)


def may_be_urgent(
    reports: QuerySet[ChildConcernReport], now: dt.datetime, deadlines: list[ConcernDeadline]
) -> QuerySet[ChildConcernReport]:
    """Of the open ``reports``, those that may be new, due soon or past a deadline.

    A superset, found in SQL from the open steps and the shortest of the ``deadlines``
    (all of them, in force or not) for each, so that the menu's counter reads the few
    reports that need someone rather than every open one; their deadlines then decide
    exactly, as in the inbox.
    """
    horizon = now + DEADLINE_WARNING
    latest: dict[str, dt.datetime] = {}
    for rule in deadlines:
        start = _start_by(horizon, rule)
        latest[rule.kind] = max(start, latest.get(rule.kind, start))

    def started_by(field: str, kind: str) -> Q:
        # No deadline in force for a step: every report with that step open may be due.
        return Q(**{f"{field}__lte": latest[kind]}) if kind in latest else Q()

    open_steps = ConcernHandling.objects.filter(
        Q(protection_assessed_at__isnull=True)
        & started_by("report__created_at", ConcernDeadlineKind.PROTECTION)
        | Q(decided_at__isnull=True)
        & started_by("report__created_at", ConcernDeadlineKind.DECISION)
        | Q(decision=ConcernDecision.OPEN, investigation_closed_at__isnull=True)
        & started_by("decided_at", ConcernDeadlineKind.INVESTIGATION)
    )
    untouched = ~Q(pk__in=ConcernHandling.objects.values("report"))
    return reports.filter(untouched | Q(pk__in=open_steps.values("report")))


def concern_counts(user: User, now: dt.datetime) -> ConcernCounts:
    """The new, due-soon and overdue reports whose handling ``user`` works on."""
    reports = open_concern_reports(concern_reports_handled_by(user))
    deadlines = list(ConcernDeadline.objects.all())
    rows = _rows(may_be_urgent(reports, now, deadlines), now, deadlines)
    new = [row for row in rows if row.handling._state.adding]
    overdue = [row for row in rows if row.overdue]
    soon = [
        row
        for row in rows
        if not row.overdue and not row.handling._state.adding and any(d.soon for d in row.deadlines)
    ]
    return ConcernCounts(new=len(new), soon=len(soon), overdue=len(overdue))


def nav_counts(user: User) -> list[NavCount]:
    """The counter on the menu's child-concern reports: only for those who handle them."""
    if user_scope(user, RecordType.CONCERN_HANDLING, Action.LIST) is not Scope.OWN_AGENCY:
        return []
    counts = concern_counts(user, timezone.now())
    inbox = "support:concern_inbox"
    said = (
        (
            counts.new,
            npgettext("child-concern reports", "%(count)s new", "%(count)s new", counts.new),
            "warn",
        ),
        (
            counts.soon,
            npgettext(
                "child-concern reports", "%(count)s due soon", "%(count)s due soon", counts.soon
            ),
            "warn",
        ),
        (
            counts.overdue,
            npgettext(
                "child-concern reports", "%(count)s overdue", "%(count)s overdue", counts.overdue
            ),
            "danger",
        ),
    )
    return [NavCount(inbox, n, text % {"count": n}, tone) for n, text, tone in said if n]


def reminders(agency: Agency | None, now: dt.datetime) -> Iterable[Reminder]:
    """A deadline within 24 hours, or past: each handler of the agency is reminded once per step."""
    reports = ChildConcernReport.objects.all()
    if agency is not None:
        reports = reports.filter(addressed_to=agency)
    handlers: dict[int, tuple[int, ...]] = {}
    for handling in ConcernHandling.of_each(open_concern_reports(reports)):
        report = handling.report
        for step, due, overdue in handling.deadlines(now):
            if not overdue and due - now > DUE_WITHIN:
                continue
            if report.addressed_to_id not in handlers:
                handlers[report.addressed_to_id] = tuple(
                    u.pk for u in members_who_can(report.addressed_to_id, RecordType.CONCERN_HANDLING, Action.UPDATE)
                )
            state = "overdue" if overdue else "due"
            yield Reminder(
                handlers[report.addressed_to_id],
                NoticeKind.CONCERN_OVERDUE if overdue else NoticeKind.CONCERN_DUE,
                reverse("support:concern_detail", args=[report.pk]),
                key=f"concern:{report.pk}:{step}:{state}",
            )
