"""Start-page panel of the results: a manager's figures so far this year against last year.

The same report object as the results page and its exports (``build_report``, masked by
the page's ``_masked`` for the user's role): no figure is counted anywhere else.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import Role, User
from samverkan.lib.panels import Line, Panel, Row
from samverkan.reports import access
from samverkan.reports.definitions import Filter
from samverkan.reports.exports import cell
from samverkan.reports.report import build_report


def same_days_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def start_panels(user: User) -> list[Panel]:
    if user.role != Role.MANAGER or not access.can_open_results(user):
        return []
    from samverkan.reports.views import _masked

    today = timezone.localdate()
    now = Filter(dt.date(today.year, 1, 1), today)
    then = Filter(dt.date(today.year - 1, 1, 1), same_days_last_year(today))
    report = _masked(build_report(now, before=then), user)
    rows = tuple(
        Row(h.label, formats.number_format(h.value) if isinstance(h.value, int) else cell(h.value),
            formats.number_format(h.previous) if isinstance(h.previous, int) else cell(h.previous))
        for h in report.headlines
        if h.value is not None
    )
    period = formats.date_format(today, "j F")
    # The same days of both years: 1 January to today.
    return [
        Panel(
            "figures", _("Figures so far this year"), 25,
            rows=rows,
            headers=(_("Figure"), str(today.year), str(today.year - 1)),
            notes=(_("1 January–%(day)s, this year and last.") % {"day": period},),
            empty=_("No figure to show."),
            link=Line(_("All results and downloads"), reverse("reports:results")),
        )
    ]
