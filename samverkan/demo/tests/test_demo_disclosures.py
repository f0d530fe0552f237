"""The demo's disclosure reaches the officer who asked, and no other police user."""

from __future__ import annotations

import pytest

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.sharing import gate
from samverkan.sharing.models import Disclosure, DisclosureStatus, Reach

from .test_demo_data import demo_db

__all__ = ["demo_db"]

pytestmark = pytest.mark.django_db


def test_the_demo_discloses_a_child_to_the_officer_who_asked_only(demo_db: object) -> None:
    [d] = Disclosure.objects.filter(concern_report__isnull=True)
    officer = User.objects.get(username="polis.inre")
    assert d.status == DisclosureStatus.ACCEPTED
    assert d.reach == Reach.PERSONS
    assert list(d.recipients.all()) == [officer]
    assert d.is_current()
    assert set(gate.grants(officer, RecordType.CLIENT)) == {d.record_id}
    for other in ("polis.utredare", "polis.analytiker"):
        assert gate.grants(User.objects.get(username=other), RecordType.CLIENT) == {}
