"""Who a child-concern report is about, as far as it was disclosed to the reader's agency.

A concern report from the police names no one; the police hand the child's
identity over with it as a disclosure (``sharing``). support knows neither
the police's records nor the disclosures (the dependencies point the other
way), so the sharing app registers a provider here in its ``apps.ready``,
which reads the disclosed records through their own ``visible_to`` gate and
answers only with the granted fields. Until a provider is registered nothing
is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from samverkan.accounts.models import User
from samverkan.operations.models import ChildConcernReport


class Line(NamedTuple):
    label: str
    value: str


@dataclass(frozen=True)
class DisclosedIdentity:
    """One disclosed person on a concern report: only the granted fields, and the basis."""

    title: str
    lines: list[Line]
    legal_basis: str
    delivered_at: dt.datetime | None
    record_url: str | None = None
    disclosure_url: str | None = None


ConcernIdentityProvider = Callable[[User, ChildConcernReport], list[DisclosedIdentity]]
_provider: ConcernIdentityProvider | None = None


def register_concern_identity_provider(provider: ConcernIdentityProvider | None) -> None:
    global _provider
    _provider = provider


def disclosed_identities(user: User, report: ChildConcernReport) -> list[DisclosedIdentity]:
    """The persons disclosed to ``user``'s agency with ``report`` (reads audited by the provider)."""
    if _provider is None:
        return []
    return _provider(user, report)
