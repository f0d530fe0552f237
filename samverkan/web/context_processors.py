from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from samverkan.web.navigation import nav_items


def samverkan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "demo_mode": settings.SAMVERKAN_DEMO,
        "membership": user.membership if authenticated else None,  # type: ignore[union-attr]
        "nav_items": nav_items(user) if authenticated else [],  # type: ignore[arg-type]
    }
