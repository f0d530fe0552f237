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


def test_the_accessibility_statement_is_public_and_linked_from_every_page(
    client: Client, personas: dict[str, User], login: Callable[[User], Client]
) -> None:
    """Lagen (2018:1937) asks for a statement anyone can read: no login, a link on every page."""
    client.cookies["django_language"] = "sv"
    response = client.get("/tillganglighet/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tillgänglighetsredogörelse för Samverkan" in text
    assert "Myndigheten för digital förvaltning" in text  # enforcement, as DIGG's model asks
    assert "https://www.digg.se/tdosanmalan" in text
    assert 'href="/tillganglighet/"' in client.get("/konto/logga-in/").content.decode()
    assert 'href="/tillganglighet/"' in login(personas["polis.inre"]).get("/").content.decode()
