"""Every persona against every page: each reaches only what DESIGN.md §4 allows.

The expectations come from the frozen policy table in
``accounts/tests/test_policy.py``: a list page answers 200 when the role has a
reading scope for its record type (anything but none or aggregates) and 404
otherwise — never 403, so that the page's existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import Role, User
from samverkan.accounts.policy import Action, RecordType, Scope
from samverkan.accounts.tests.test_policy import TABLE

pytestmark = pytest.mark.django_db

# Each page with the record type and action its access depends on.
PAGES: tuple[tuple[str, RecordType, Action], ...] = (
    ("/pass/", RecordType.SHIFT, Action.LIST),
    ("/pass/kalender/", RecordType.SHIFT, Action.LIST),
    ("/pass/insatser/", RecordType.SHIFT, Action.LIST),
    ("/pass/platser/", RecordType.VENUE, Action.LIST),
    ("/stod/klienter/", RecordType.CLIENT, Action.LIST),
    ("/stod/orosanmalningar/", RecordType.CONCERN_HANDLING, Action.LIST),
    ("/anmalningar/", RecordType.CRIME_REPORT, Action.LIST),
    ("/utlamnanden/", RecordType.DISCLOSURE, Action.LIST),
    ("/utlamnanden/skickade/", RecordType.DISCLOSURE, Action.LIST),
    ("/utlamnanden/begar/", RecordType.DISCLOSURE, Action.CREATE),
    ("/utlamnanden/muntliga/", RecordType.DISCLOSURE, Action.CREATE),
    ("/logg/", RecordType.AUDIT_EVENT, Action.LIST),
    ("/anvandare/accounts/user/", RecordType.USER, Action.LIST),
)
READING = {Scope.COLLABORATION, Scope.OWN_AGENCY, Scope.CREATED_BY_OWN_AGENCY, Scope.DISCLOSED}
# Pages of figures only: open to the roles with an aggregate scope.
AGGREGATE_PAGES: tuple[tuple[str, RecordType], ...] = (("/utlamnanden/antal/", RecordType.DISCLOSURE),)


def expected_status(role: Role, record: RecordType, action: Action) -> int:
    return 200 if TABLE[(role, record, action)] in READING else 404


@pytest.mark.parametrize(("url", "record", "action"), PAGES, ids=[p[0] for p in PAGES])
def test_every_persona_on_every_page(
    personas: dict[str, User], login: Callable[[User], Client], url: str, record: RecordType, action: Action
) -> None:
    for username, user in personas.items():
        assert user.role is not None
        response = login(user).get(url)
        assert response.status_code == expected_status(user.role, record, action), (username, url)


# Forms that start an export job (POST): the job starts (302 to its page) for whom the policy lets export.
EXPORT_FORMS: tuple[tuple[str, RecordType, Action], ...] = (
    ("/jobb/export/logg/", RecordType.AUDIT_EVENT, Action.EXPORT),
)


@pytest.mark.parametrize(("url", "record", "action"), EXPORT_FORMS, ids=[p[0] for p in EXPORT_FORMS])
def test_every_persona_on_every_export_form(
    personas: dict[str, User], login: Callable[[User], Client], url: str, record: RecordType, action: Action
) -> None:
    for username, user in personas.items():
        assert user.role is not None
        expected = 302 if expected_status(user.role, record, action) == 200 else 404
        assert login(user).post(url).status_code == expected, (username, url)
    assert Client().post(url).status_code == 302 and "/konto/logga-in/" in Client().post(url)["Location"]


def test_pages_of_figures_only(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    for url, record in AGGREGATE_PAGES:
        for username, user in personas.items():
            assert user.role is not None
            expected = 200 if TABLE[(user.role, record, Action.AGGREGATE)] is Scope.AGGREGATE else 404
            assert login(user).get(url).status_code == expected, (username, url)


def test_every_page_is_behind_the_login(client: Client, db: None) -> None:
    for url, _record, _action in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/konto/logga-in/" in response["Location"], url


def test_the_menu_shows_only_reachable_pages(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    for username, user in personas.items():
        body = login(user).get("/").content.decode()
        assert user.role is not None
        for url, record, action in PAGES:
            if url.endswith("export/") or url in ("/pass/kalender/", "/pass/insatser/"):
                continue
            link = f'href="{url}"' if not url.startswith("/anvandare") else 'href="/anvandare/"'
            if expected_status(user.role, record, action) == 404:
                assert link not in body, (username, url)
