from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from samverkan.notices.models import Notice
from samverkan.web.navigation import NavItem, nav_items


def samverkan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated

    def menu() -> list[NavItem]:
        """The main menu and its counts: built when a page shows it, once per request.

        A template calls this when it shows the menu (a partial page never does), so the
        counts' queries run only on full pages, and only once however often it is shown.
        """
        items: list[NavItem] | None = getattr(request, "_samverkan_menu", None)
        if items is None:
            items = nav_items(user) if authenticated else []  # type: ignore[arg-type]
            request._samverkan_menu = items  # type: ignore[attr-defined]
        return items

    return {
        "demo_mode": settings.SAMVERKAN_DEMO,
        "membership": user.membership if authenticated else None,  # type: ignore[union-attr]
        "nav_items": menu,
        # Whether any entry has a count: the folded menu's button says so on a phone.
        "nav_waiting": lambda: any(item.counts for item in menu()),
    }


def nav_counts(request: HttpRequest) -> dict[str, Any]:
    """The navigation's counter of what is new: the user's unread notifications.

    Lazy and one query at most per page: the count runs only when a template shows it
    (``_nav_counts.html``), and only once however often it is shown.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0}
    cache: dict[str, int] = {}

    def unread_notices() -> int:
        if "n" not in cache:
            cache["n"] = Notice.objects.of(user).unread().count()
        return cache["n"]

    return {"unread_notices": unread_notices}
