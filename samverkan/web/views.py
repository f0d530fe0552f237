"""The start page per role, and the error pages."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from samverkan.accounts.models import Role, User
from samverkan.accounts.policy import POLICY, Action, RecordType, Scope
from samverkan.lib.panels import Panel
from samverkan.web.middleware import DATABASE_DOWN, database_unavailable


def role_intro(role: Role | None) -> str:
    intros = {
        Role.POLICE_OFFICER: _(
            "You take part in joint shifts, record the people you meet and report sex buyers."
        ),
        Role.POLICE_INVESTIGATOR: _(
            "You investigate crime reports and suspects, and use intelligence to map those behind the trade."
        ),
        Role.POLICE_ANALYST: _(
            "You assess tips and intelligence and map the networks behind the trade."
        ),
        Role.SOCIAL_WORKER: _(
            "You meet people in prostitution on joint shifts, give support, refer them on and handle "
            "child-concern reports."
        ),
        Role.COORDINATOR: _("You plan joint shifts and keep the collaboration running."),
        Role.MANAGER: _("You follow the collaboration's results as figures, never single records."),
        Role.AUDITOR: _("You check who read and changed what in your agency's records."),
        Role.ADMIN: _("You manage your agency's user accounts. You have no access to case data."),
    }
    return intros.get(role, "") if role else ""


@dataclass(frozen=True)
class WorkArea:
    record: str
    actions: list[str]
    scope: str


SCOPE_TEXT = {
    Scope.COLLABORATION: gettext_lazy("shared within the collaboration"),
    Scope.OWN_AGENCY: gettext_lazy("your agency's records"),
    Scope.CREATED_BY_OWN_AGENCY: gettext_lazy("those your agency filed"),
    Scope.DISCLOSED: gettext_lazy("only what has been disclosed to your agency"),
    Scope.AGGREGATE: gettext_lazy("figures only"),
}


def work_areas(user: User) -> list[WorkArea]:
    """What the user's role works with, read from the access policy itself."""
    role = user.role
    if role is None:
        return []
    areas = []
    for record in RecordType:
        cell = POLICY.get((role, record), {})
        granted = [a for a, s in cell.items() if s is not Scope.NONE]
        if not granted:
            continue
        scopes = {s for s in cell.values() if s is not Scope.NONE}
        # Describe the widest reading scope; aggregates only when that is all there is.
        main = next(
            (s for s in (Scope.COLLABORATION, Scope.OWN_AGENCY, Scope.CREATED_BY_OWN_AGENCY,
                         Scope.DISCLOSED, Scope.AGGREGATE) if s in scopes),
            Scope.AGGREGATE,
        )
        areas.append(
            WorkArea(
                record=str(record.label),
                actions=[str(Action(a).label) for a in Action if a in granted],
                scope=str(SCOPE_TEXT[main]),
            )
        )
    return areas


def start_panels(user: User) -> list[Panel]:
    """What needs the user now, from every app that declares panels, most urgent first.

    Each app builds its own panels (``AppConfig.start_panels(user)``) through its access
    functions and the policy, and ``web`` finds them through the app registry, as the
    gate finds what can be disclosed: so ``web`` imports neither the agencies' apps
    nor ``reports`` (the manager's figures), which shares its floor.
    """
    if user.role is None:
        return []
    panels: list[Panel] = []
    for config in apps.get_app_configs():
        declare = getattr(config, "start_panels", None)
        if declare is not None:
            panels.extend(declare(user))
    return sorted(panels, key=lambda panel: (panel.order, panel.key))


@require_GET
@login_required
def start(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "web/start.html",
        {"intro": role_intro(user.role), "work_areas": work_areas(user), "panels": start_panels(user)},
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's)."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("samverkan/icon.svg"))


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Called inside Django's handler of the exception: a lost database (raised before the
    # view, by the session or the user in a middleware) answers 503, not a technical error.
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable(request)
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (lagen (2018:1937) om tillgänglighet till digital offentlig service).

    Public: the law asks that anyone can read it, signed in or not. Follows the
    model statement of Myndigheten för digital förvaltning (DIGG).
    """
    return render(
        request,
        "web/accessibility.html",
        {
            "contact": settings.SAMVERKAN_ACCESSIBILITY_CONTACT,
            "reviewed": ACCESSIBILITY_REVIEWED,
        },
    )


# When the statement was last reviewed against the site (update with the statement).
ACCESSIBILITY_REVIEWED = dt.date(2026, 12, 7)
