"""Who is calling: a personal token (Authorization: Bearer) or the pages' own session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from samverkan.accounts.models import User
from samverkan.api.models import TOKEN_PREFIX, ApiToken, digest

# A token's last use is written at most this often (a busy integration must not write per call).
LAST_USE_EVERY = dt.timedelta(minutes=1)


def _member(user: Any) -> bool:
    return bool(user is not None and user.is_active and getattr(user, "membership", None) is not None)


class Token(HttpBearer):
    openapi_description = "A personal API token, created on the page /konto/api-nycklar/."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        found = ApiToken.objects.usable().select_related("user").filter(digest=digest(token)).first()
        if found is None or not _member(found.user):
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USE_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class Session(SessionAuth):
    """The pages' session, with CSRF checked on writes and two factors where they are required."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not _member(user):
            return None
        if settings.SAMVERKAN_REQUIRE_2FA and not user.is_verified():
            return None
        return user


class PerCaller(SimpleRateThrottle):
    """Requests per token (or per session user): one busy integration cannot starve the rest."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(settings.SAMVERKAN_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read per request, not when the API is built, so that a changed setting holds.
        self.rate = settings.SAMVERKAN_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return bool(super().allow_request(request))

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


AUTH = [Token(), Session()]


def caller(request: HttpRequest) -> User:
    """The user an endpoint serves (its ``auth`` let the request through)."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User)
    return user
