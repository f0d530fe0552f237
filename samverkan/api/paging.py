"""Cursor pagination: a stable order (by id), an opaque cursor, a documented limit."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from samverkan.api.errors import ApiError

DEFAULT_LIMIT = 50
# Ids are 64-bit: a larger one is refused before it reaches the database.
MAX_ID = 2**63 - 1
MAX_LIMIT = 200
T = TypeVar("T")


class PageIn(Schema):
    cursor: str | None = Field(None, max_length=200, pattern=r"^[-A-Za-z0-9_=]*$", description="The `next` of the previous page; empty for the first.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, 1–{MAX_LIMIT}.")


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page.")


def encode(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", _("The cursor is not one this API gave.")) from None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise ApiError(400, "bad_cursor", _("The cursor is not one this API gave."))
    return after


def page_of(qs: models.QuerySet[Any], paging: PageIn, convert: Callable[[Sequence[Any]], list[Any]] | None = None) -> dict[str, Any]:
    """One page of ``qs`` in id order after the cursor; ``convert`` turns the rows into items."""
    rows = list(qs.filter(pk__gt=decode(paging.cursor)).order_by("pk")[: paging.limit + 1])
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    items = convert(rows) if convert is not None else rows
    return {"items": items, "next": encode(rows[-1].pk) if more and rows else None}
