"""Start-page panels of the shared facts: the user's next shift; a coordinator's week."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import AgencyKind, Role, User
from samverkan.accounts.policy import Action, RecordType, can, is_field_staff
from samverkan.lib.panels import Line, Panel
from samverkan.operations.models import OperationKind, Shift, ShiftStatus

WEEK = dt.timedelta(days=7)
# How many shifts a panel names before it says "and N more".
SHOWN = 5


def when(moment: dt.datetime) -> str:
    """A shift's time as the start page says it: "mån 7 dec 20:00" (local time, Swedish lower case)."""
    return formats.date_format(timezone.localtime(moment), "D j b H:i")


def shift_text(shift: Shift) -> str:
    end = timezone.localtime(shift.ends_at)
    return f"{when(shift.starts_at)}–{end:%H:%M} · {shift.area.name}"


def next_shift_panel(user: User, now: dt.datetime) -> Panel | None:
    """The shift the user is staffed on that is under way now, or the next one."""
    if not (is_field_staff(user) and can(user, RecordType.SHIFT, Action.VIEW)):
        return None
    shifts = list(
        Shift.objects.visible_to(user, Action.VIEW)
        .filter(participants__user=user, status__in=[ShiftStatus.PLANNED, ShiftStatus.ONGOING], ends_at__gte=now)
        .select_related("area")
        .order_by("starts_at", "pk")[:SHOWN]
    )
    if not shifts:
        return Panel(
            "next_shift", _("Your next shift"), 40,
            empty=_("You are not staffed on a coming shift."),
            link=Line(_("All shifts"), reverse("operations:shift_list")),
        )
    first = shifts[0]
    # A shift under way or tonight comes before everything else on the page.
    order = 1
    if first.status == ShiftStatus.ONGOING:
        title, action = _("Your shift now"), _("Go to the shift")
    elif timezone.localdate(first.starts_at) == timezone.localdate(now):
        title, action = _("Your shift tonight"), _("Go to tonight's shift")
    else:
        title, action, order = _("Your next shift"), _("Go to the shift"), 40
    lines = tuple(Line(shift_text(s), reverse("operations:shift_detail", args=[s.pk])) for s in shifts[1:])
    return Panel(
        "next_shift", title, order,
        notes=(shift_text(first),),
        link=Line(action, reverse("operations:shift_detail", args=[first.pk])),
        lines=lines,
    )


def _unstaffed(shift: Shift) -> bool:
    """A planned shift some required agency has no field staff on yet."""
    kinds = {a.kind for a in shift.collaboration.agencies.all()}
    if shift.operation is not None and shift.operation.kind == OperationKind.POLICE:
        kinds = {AgencyKind.POLICE}
    staffed = {p.agency.kind for p in shift.participants.all()}
    return not kinds <= staffed


def coordinator_panels(user: User, now: dt.datetime) -> list[Panel]:
    """A coordinator's coming week, and the shifts of the next two weeks still without staff."""
    if user.role != Role.COORDINATOR or not can(user, RecordType.SHIFT, Action.LIST):
        return []
    coming = list(
        Shift.objects.visible_to(user)
        .filter(Q(status=ShiftStatus.PLANNED) | Q(status=ShiftStatus.ONGOING), starts_at__lt=now + 2 * WEEK, ends_at__gte=now)
        .select_related("area", "operation", "collaboration")
        .prefetch_related("collaboration__agencies", "participants__agency")
        .order_by("starts_at", "pk")[:100]
    )
    week = [s for s in coming if s.starts_at < now + WEEK]
    unstaffed = [s for s in coming if s.status == ShiftStatus.PLANNED and _unstaffed(s)]
    calendar = reverse("operations:shift_calendar")
    week_panel = Panel(
        "coming_week", _("The coming week"), 20,
        lines=tuple(Line(shift_text(s), reverse("operations:shift_detail", args=[s.pk])) for s in week[:SHOWN]),
        notes=((_("%(count)s shifts in all.") % {"count": len(week)}),) if len(week) > SHOWN else (),
        empty=_("No shift is planned for the coming week."),
        link=Line(_("Plan a shift"), reverse("operations:shift_create")),
    )
    unstaffed_panel = Panel(
        "unstaffed", _("Shifts without staff"), 15,
        lines=tuple(
            Line(shift_text(s), reverse("operations:shift_detail", args=[s.pk]), tone="warn") for s in unstaffed[:SHOWN]
        ),
        notes=((_("%(count)s shifts in all.") % {"count": len(unstaffed)}),) if len(unstaffed) > SHOWN else (),
        empty=_("Every shift of the next two weeks has staff from each agency."),
        link=Line(_("The calendar"), calendar),
    )
    return [unstaffed_panel, week_panel]


def start_panels(user: User) -> list[Panel]:
    now = timezone.now()
    panels = [next_shift_panel(user, now), *coordinator_panels(user, now)]
    return [p for p in panels if p is not None]
