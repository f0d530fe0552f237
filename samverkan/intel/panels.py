"""Start-page panel of intelligence: new tips to assess, networks that grew."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from samverkan.accounts.models import Role, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.intel.models import Network, NetworkEvent, NetworkEventKind, Tip, TipStatus
from samverkan.lib.panels import Line, NavCount, Panel

SHOWN = 5
# A network that grew in a linkage run of the last week is news.
GREW_WITHIN = dt.timedelta(days=7)


def start_panels(user: User) -> list[Panel]:
    if user.role != Role.POLICE_ANALYST:
        return []
    panels: list[Panel] = []
    if user_scope(user, RecordType.TIP, Action.LIST) is Scope.OWN_AGENCY:
        new = Tip.objects.visible_to(user).filter(status=TipStatus.NEW).count()
        tips = reverse("intel:tip_list")
        panels.append(
            Panel(
                "tips", _("Tips"), 10,
                lines=(Line(_("New tips to assess"), f"{tips}?status={TipStatus.NEW.value}", new, "warn" if new else ""),),
                link=Line(_("Open the tips"), tips),
            )
        )
    if user_scope(user, RecordType.NETWORK, Action.LIST) is Scope.OWN_AGENCY:
        since = timezone.now() - GREW_WITHIN
        networks = Network.objects.visible_to(user).active()
        grew = list(
            networks.filter(
                pk__in=NetworkEvent.objects.filter(kind=NetworkEventKind.GREW, at__gte=since).values("network")
            ).ranked()[:SHOWN]
        )
        panels.append(
            Panel(
                "networks", _("Networks that grew this week"), 11,
                lines=tuple(
                    Line(
                        _("Network %(key)s: %(items)s items") % {"key": n.key, "items": n.item_count},
                        reverse("intel:network_detail", args=[n.key]),
                    )
                    for n in grew
                ),
                empty=_("No network grew in the last week."),
                link=Line(_("Open the networks"), reverse("intel:network_list")),
            )
        )
    return panels


def nav_counts(user: User) -> list[NavCount]:
    """The counter on the menu's tips: new ones, for those who assess them."""
    if user_scope(user, RecordType.TIP, Action.UPDATE) is not Scope.OWN_AGENCY:
        return []
    new = Tip.objects.visible_to(user).filter(status=TipStatus.NEW).count()
    if not new:
        return []
    return [
        NavCount(
            "intel:tip_list",
            new,
            npgettext("tips", "%(count)s new", "%(count)s new", new) % {"count": new},
        )
    ]
