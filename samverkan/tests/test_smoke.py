from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from samverkan.accounts.models import User


def test_start_page_for_every_persona(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    for user in personas.values():
        response = login(user).get("/")
        assert response.status_code == 200, user.username
        assert user.membership is not None
        assert user.membership.get_role_display() in response.content.decode()


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logga-in/")
