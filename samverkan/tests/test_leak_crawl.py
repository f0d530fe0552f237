"""The canary leak crawl: no persona sees a canary the policy table keeps from them, on any page or export.

``world.build_world`` plants a unique canary in every free-text and identifying
field of every agency-owned record type (shared facts, clients and their
files, referrals, the handling of child-concern reports, crime reports,
suspects, tips with their source, intelligence items, entities, imports,
indicator reviews), for both agencies of two collaborations. The crawl logs in
as every persona and fetches every URL pattern of the resolved URLconf with
the ids of both sides' records (``routes.FILL``), exports included (CSV, XLSX,
PDF, GraphML, ANX, JSON and text: their formats are route values), and
decodes each answer (an XLSX's sheets, a PDF's streams).

Which canary a persona may see follows from the policy table alone
(``accounts.policy.user_scope`` of the canary's record type, for viewing):
shared facts of the persona's collaborations, their own agency's records,
records their agency filed; of a summary (``Scope.SUMMARY``: a coordinator's
tips and networks) only the fields ``policy.SUMMARY_FIELDS`` names, so a tip's
source never reaches a coordinator; nothing disclosed (the world discloses nothing),
nothing to roles that see figures only. Any other canary in an answer is a
leak (pages that show records only in answer to a POST, such as the client
search, are posted to as well: ``routes.REVEAL``). The test prints how many
URLs × personas it checked; a pattern it cannot
fill fails it (see ``routes``), and ``test_a_leaky_view_is_caught`` shows the
crawler catching a deliberately leaky view.
"""

from __future__ import annotations

import base64
import io
import re
import time
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from samverkan.accounts.models import User
from samverkan.accounts.policy import SUMMARY_FIELDS, Action, Scope, user_scope
from samverkan.conftest import login_verified
from samverkan.support.models import Client as SocialClient
from samverkan.tests import routes as routing
from samverkan.tests.world import Canary, World, build_world

pytestmark = pytest.mark.django_db


def may_see(user: User, canary: Canary, collaborations: frozenset[int]) -> bool:
    """Whether the policy lets ``user`` read the record the canary sits in."""
    scope = user_scope(user, canary.record_type, Action.VIEW)
    if scope is Scope.NONE:
        scope = user_scope(user, canary.record_type, Action.AGGREGATE)
    if scope is Scope.COLLABORATION:
        return canary.collaboration in collaborations
    if scope is Scope.OWN_AGENCY:
        return user.agency is not None and user.agency.pk in canary.owners
    if scope is Scope.CREATED_BY_OWN_AGENCY:
        return user.agency is not None and user.agency.pk == canary.creator
    if scope is Scope.AGGREGATE and canary.in_figures:
        return canary.collaboration in collaborations  # the results are broken down by it
    # A summary (a coordinator's tips and networks) shows the fields SUMMARY_FIELDS names, no others.
    # DISCLOSED: the world discloses nothing; AGGREGATE: figures only; NONE: nothing.
    return canary.collaboration in collaborations and any(
        canary.where in fields and user_scope(user, record, Action.VIEW) is Scope.SUMMARY
        for record, fields in SUMMARY_FIELDS.items()
    )


_STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.S)


def _a85(data: bytes) -> bytes:
    return base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False)


def _a85_flate(data: bytes) -> bytes:
    return zlib.decompress(_a85(data))


def _pdf_text(body: bytes) -> bytes:
    """The PDF with its streams decoded (Flate, ASCII85, or both, as reportlab writes them)."""
    parts = [body]
    for match in _STREAM.finditer(body):
        data = match.group(1)
        for decode in (zlib.decompress, _a85_flate, _a85):
            try:
                parts.append(decode(data))
                break
            except (zlib.error, ValueError):
                continue
    return b"\n".join(parts)


def text_of(response: Any) -> str:
    """The answer as lower-case text: an XLSX's sheets and a PDF's streams decoded."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"\n".join(archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels", ".json")))
    elif body[:5] == b"%PDF-":
        body = _pdf_text(body)
    return body.decode("utf-8", "replace").lower()


@dataclass
class Crawl:
    world: World
    users: dict[str, User]
    checked: int = 0
    answered: int = 0  # answers with content (2xx)
    leaks: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # canaries someone may see, and saw: the crawl reaches them

    def run(self, found: Sequence[routing.Route]) -> None:
        canaries = [(c, c.text.lower()) for c in self.world.canaries]
        for username, user in self.users.items():
            http = login_verified(Client(), user)
            http.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "sv"
            collaborations = frozenset(user.collaborations().values_list("pk", flat=True))
            forbidden = [(c, low) for c, low in canaries if not may_see(user, c, collaborations)]
            for route in found:
                for data in routing.EXPORT_JOBS.get(route.route, ()):
                    # An export is a job: post its form, then read the file from the job's page.
                    url = routing.build(route, {})
                    started = http.post(url, dict(data))
                    self.checked += 1
                    if started.status_code == 302 and started["Location"].startswith("/jobb/"):
                        self._read(username, user, f"{url} {dict(data)}", "POST", http.get(started["Location"] + "fil/"), canaries, forbidden)
                if "GET" not in route.methods:
                    continue
                reveal = routing.REVEAL.get(route.route)
                for url in routing.paths(route, self.world, per_kind=2):
                    fetched = [("GET", http.get(url))]
                    if reveal is not None:
                        fetched.append(("POST", http.post(url, dict(reveal))))
                    for method, response in fetched:
                        self.checked += 1
                        self._read(username, user, url, method, response, canaries, forbidden)

    def _read(
        self, username: str, user: User, url: str, method: str, response: Any,
        canaries: Sequence[tuple[Canary, str]], forbidden: Sequence[tuple[Canary, str]],
    ) -> None:
        if response.status_code >= 300:
            return
        self.answered += 1
        text = text_of(response)
        for canary, low in canaries:
            if low in text:
                self.seen.add(canary.text)
        for canary, low in forbidden:
            if low in text:
                self.leaks.append(
                    f"{username} ({user.role}) {method} {url}: {canary.text} from {canary.where} "
                    f"({canary.record_type})"
                )


@pytest.fixture
def world(personas: dict[str, User]) -> World:
    return build_world(personas)


def test_no_persona_sees_a_canary_the_policy_keeps_from_them(
    personas: dict[str, User], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    found = routing.routes()
    routing.check_covered(found)
    crawl = Crawl(world, personas)
    started = time.perf_counter()
    crawl.run(found)
    with capsys.disabled():
        print(
            f"\nleak crawl: {len(found)} URL patterns, {len(personas)} personas, {crawl.checked} URLs × personas "
            f"fetched ({crawl.answered} answered), {len(crawl.seen)} of {len(world.canaries)} canaries seen where allowed, "
            f"{time.perf_counter() - started:.0f} s"
        )
        unseen = sorted({c.where for c in world.canaries} - {c.where for c in world.canaries if c.text in crawl.seen})
        print(f"leak crawl: fields whose canaries the crawl never showed (nobody may read them, or behind another step): {unseen}")
    assert not crawl.leaks, "Canaries where the policy forbids them:\n" + "\n".join(crawl.leaks[:60])
    # The crawl reaches the records: most canaries are seen by someone allowed to.
    assert len(crawl.seen) >= len(world.canaries) // 2, sorted({c.where for c in world.canaries if c.text not in crawl.seen})


# --- The crawler catches a leaky view ---------------------------------------------------------------


def _leaky(request: HttpRequest) -> HttpResponse:
    """A deliberately leaky page: every client's pseudonym to anyone signed in."""
    return HttpResponse(", ".join(SocialClient.objects.values_list("pseudonym", flat=True)))


def _leaky_record(request: HttpRequest, pk: int) -> HttpResponse:
    client = SocialClient.objects.filter(pk=pk).first()
    return HttpResponse(client.pseudonym if client else "")


urlpatterns = [
    path("", include("samverkan.urls")),
    path("lacker/", _leaky, name="leaky"),
    path("lacker/<int:pk>/", _leaky_record, name="leaky_record"),
]


def test_a_leaky_view_is_caught(personas: dict[str, User], world: World, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    with pytest.raises(AssertionError, match=r"lacker/<int:pk>/"):
        routing.check_covered(routing.routes())  # a route the crawl cannot fill fails it
    found = [r for r in routing.routes() if r.route == "lacker/"]
    assert found
    crawl = Crawl(world, {name: personas[name] for name in ("polis.inre", "soc.handlaggare", "gbg.handlaggare")})
    crawl.run(found)
    assert crawl.checked == 3
    leaked = {line.split(" ")[0] for line in crawl.leaks}
    # The police see no client; each social worker sees only their own agency's.
    assert leaked == {"polis.inre", "soc.handlaggare", "gbg.handlaggare"}
    assert all("Client.pseudonym" in line for line in crawl.leaks)


def test_the_crawler_reads_exports(personas: dict[str, User], world: World) -> None:
    """An XLSX and a PDF are decoded before they are searched: a known word is found in each."""
    http = login_verified(Client(), personas["polis.chef"])
    for fmt in ("xlsx", "pdf"):
        started = http.post("/resultat/export/", {"fmt": fmt})
        assert started.status_code == 302
        response = http.get(started["Location"] + "fil/")
        assert response.status_code == 200
        assert "samverkanspass" in text_of(response), fmt  # compressed in both, unless decoded
