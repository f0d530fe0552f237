"""Start-page panel of disclosures: requests to answer, answers to accept."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.lib.panels import Line, NavCount, Panel
from samverkan.sharing.models import Disclosure, DisclosureStatus


def start_panels(user: User) -> list[Panel]:
    agency = user.agency
    if agency is None:
        return []
    scope = user_scope(user, RecordType.DISCLOSURE, Action.LIST)
    if scope is Scope.OWN_AGENCY:
        visible = Disclosure.objects.visible_to(user)
        to_answer = visible.received_by(agency).filter(status=DisclosureStatus.REQUESTED).count()
        to_accept = visible.sent_by(agency).filter(status=DisclosureStatus.APPROVED, requested_by=user).count()
        waiting = visible.sent_by(agency).filter(status=DisclosureStatus.REQUESTED, requested_by=user).count()
        inbox, outbox = reverse("sharing:inbox"), reverse("sharing:outbox")
        return [
            Panel(
                "disclosures", _("Disclosures"), 8,
                lines=(
                    Line(_("Requests to your agency not yet answered"), inbox, to_answer, "warn" if to_answer else ""),
                    Line(_("Answers to your requests, to accept"), outbox, to_accept, "warn" if to_accept else ""),
                    Line(_("Your requests still waiting for an answer"), outbox, waiting),
                ),
                link=Line(_("Open the requests to your agency"), inbox),
            )
        ]
    if user_scope(user, RecordType.DISCLOSURE, Action.AGGREGATE) is Scope.AGGREGATE:
        unanswered = Disclosure.objects.received_by(agency).filter(status=DisclosureStatus.REQUESTED).count()
        return [
            Panel(
                "disclosure_counts", _("Disclosure requests to your agency"), 31,
                lines=(Line(_("Not yet answered"), count=unanswered, tone="warn" if unanswered else ""),),
                link=Line(_("Disclosure figures"), reverse("sharing:counts")),
            )
        ]
    return []


def nav_counts(user: User) -> list[NavCount]:
    """The counter on the menu's disclosures, for those who decide and accept them.

    Requests to the user's agency that wait for a decision, and answers to the user's own
    requests that wait to be accepted (the start page's lines): one query.
    """
    agency = user.agency
    if (
        agency is None
        or user_scope(user, RecordType.DISCLOSURE, Action.UPDATE) is not Scope.OWN_AGENCY
    ):
        return []
    waiting = Disclosure.objects.visible_to(user).aggregate(
        to_decide=Count("pk", filter=Q(owning_agency=agency, status=DisclosureStatus.REQUESTED)),
        to_accept=Count(
            "pk",
            filter=Q(requesting_agency=agency, requested_by=user, status=DisclosureStatus.APPROVED),
        ),
    )
    to_decide, to_accept = waiting["to_decide"], waiting["to_accept"]
    said = (
        (to_decide, ngettext("%(count)s to decide", "%(count)s to decide", to_decide)),
        (
            to_accept,
            ngettext("%(count)s answer to accept", "%(count)s answers to accept", to_accept),
        ),
    )
    return [NavCount("sharing:inbox", n, text % {"count": n}) for n, text in said if n]
