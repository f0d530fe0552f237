"""No input ends in a server error: every URL pattern, every form, hostile values, several personas.

The fuzz walks every pattern of the resolved URLconf (``routes.routes()``),
fills its path values with ids of both agencies' records from a world built by
the real actions (``world.build_world``), and sends, as a police officer, a
social worker, an analyst, a coordinator, an auditor and an administrator:

- a GET with hostile query parameters (huge and negative numbers, NUL bytes,
  lone surrogates, very long strings, bad dates, SQL and markup), under every
  parameter name a form of the project declares;
- a POST with hostile values for every form field, to every view that accepts
  POST;
- then, per route, a few examples drawn by hypothesis (deterministic:
  ``derandomize=True``) mixing personas, paths (hostile path values too),
  parameters and bodies.

Any 5xx (or an exception out of a view) fails the test with the persona, the
method and the URL. A pattern whose path values the fuzz does not know how to
fill fails the test with its name: add it to ``routes.FILL`` (one line; see
that module's docstring). ``test_a_route_that_breaks_on_bad_input_is_caught``
shows both with a deliberately broken route.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.tests import routes as routing
from samverkan.tests.world import World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES = 2  # hypothesis's examples per route, after the sweep; the time of the test grows with it
PERSONAS = ("polis.inre", "soc.handlaggare", "polis.analytiker", "polis.samordnare", "soc.granskare", "polis.admin")

# --- Hostile values --------------------------------------------------------------------------------

NUMBERS = (
    "99999999999999999999999", "-1", "-99999999999999999999999", "9223372036854775808", "2147483648", "0",
    "-0", "1e309", "NaN", "inf", "0x1F", "+46701234567", " 1", "١٢٣", "1_000", "3.5", "4294967296",
)
DATES = (
    "2021-02-30", "0000-00-00", "9999-12-31T25:61", "99999-01-01", "2021-13-01", "1899-12-31", "-0001-01-01",
    "2021-03-28T02:30", "2021-W53", "31/12/2021", "2021-1-1", "10000-01-01T00:00",
)
INJECTION = (
    "' OR 1=1 --", "\"; DROP TABLE audit_auditevent; --", "<script>alert(1)</script>", "{{ 7|add:7 }}",
    "{% debug %}", "=HYPERLINK(\"http://x\")", "%s%s%n", "../../etc/passwd", "\\", "%00", "*", "%",
    "_", "[]", "{}", "null", "true", "()", "\u202e", "😀😀", "N-1", "K123456-26",
)
SPECIAL = ("", " ", "\x00", "a\x00b", "\x00" * 3, "\ud800", "x\udfff", "\ufeff", "\r\n", "\t", "A" * 5000)
HOSTILE = NUMBERS + DATES + INJECTION + SPECIAL
# Sent under every parameter name of every page a persona can open.
FIRST = ("99999999999999999999999", "-1", "a\x00b", "\ud800", "2021-02-30", "' OR 1=1 --")
LONG = "Å" * 100_000  # longer than every field's limit


def hostile_text(*, long: bool = True) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(st.characters(codec=None, exclude_categories=()), max_size=40),  # surrogates and NUL too
        *([st.just(LONG)] if long else []),
    )


# --- Parameter names: every field of every form, with the prefixes the views give them -----------

_APPS = ("accounts", "audit", "intel", "investigations", "operations", "reports", "sharing", "support", "web")
_EXTRA = ("q", "page", "next", "o", "p", "e", "all", "_changelist_filters", "language", "id", "pk", "format", "fmt")


def field_names() -> tuple[str, ...]:
    names: set[str] = set(_EXTRA)
    form_classes: dict[str, type[forms.BaseForm]] = {}
    sources: list[str] = []
    for app in _APPS:
        for module_name in ("forms", "views", "network_views"):
            try:
                module = importlib.import_module(f"samverkan.{app}.{module_name}")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if inspect.isclass(value) and issubclass(value, forms.BaseForm):
                    names.update(getattr(value, "base_fields", {}))
                    form_classes[value.__name__] = value
            if module_name != "forms":
                sources.append(Path(inspect.getfile(module)).read_text(encoding="utf-8"))
    # A form given a prefix in a view names its fields "prefix-field".
    for source in sources:
        for match in re.finditer(r"(\w+Form)\((?:(?!\w+Form\().){0,300}?prefix=\"(\w+)\"", source, re.S):
            form = form_classes.get(match.group(1))
            if form is not None:
                names.update(f"{match.group(2)}-{n}" for n in getattr(form, "base_fields", {}))
    return tuple(sorted(names))


def encode(pairs: Iterable[tuple[str, str]]) -> str:
    """A query string or form body that carries anything, lone surrogates and NUL included."""
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'), safe='')}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
        for k, v in pairs
    )


# --- The runner ------------------------------------------------------------------------------------


@dataclass
class Fuzz:
    clients: dict[str, Client]
    users: dict[str, User]
    world: World
    names: tuple[str, ...]
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def send(self, persona: str, method: str, url: str, pairs: Sequence[tuple[str, str]]) -> int:
        client = self.clients[persona]
        body = encode(pairs)
        self.requests += 1
        raised: list[BaseException] = []

        def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
            exc = sys.exc_info()[1]
            if exc is not None:
                raised.append(exc)

        got_request_exception.connect(record, dispatch_uid="fuzz")
        try:
            # A savepoint per request: on PostgreSQL a failed statement would spoil the test's transaction.
            with transaction.atomic():
                if method == "GET":
                    response = client.get(f"{url}?{body}" if body else url)
                else:
                    response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        except Exception as exc:
            self.failures.append(f"{persona} {method} {url}?{body[:300]}: {type(exc).__name__}: {str(exc)[:300]}")
            return 500
        finally:
            got_request_exception.disconnect(dispatch_uid="fuzz")
        if response.status_code >= 500:
            why = f"{type(raised[-1]).__name__}: {str(raised[-1])[:300]}" if raised else ""
            self.failures.append(f"{persona} {method} {url}?{body[:300]}: {response.status_code} {why}")
        if url.startswith("/konto/logga-ut/") or "password" in url:
            login_verified(client, self.users[persona])  # carry on signed in
        return response.status_code

    def sweep(self, route: routing.Route) -> None:
        """Every persona once on the route: the world's paths in turn, one hostile profile each.

        A GET carries the value under every parameter name, a POST under every form field;
        a route taking both gets them from alternate personas. Then the personas who got past
        the access check (a 200 or a 400) send each of ``FIRST`` under every parameter name.
        """
        urls = routing.paths(route, self.world, per_kind=2)
        methods = sorted(route.methods & {"GET", "POST"}) or ["GET"]
        readers = []
        for i, persona in enumerate(PERSONAS):
            url = urls[i % len(urls)]
            method = methods[(i + len(route.route)) % len(methods)]
            if method == "GET":
                value = HOSTILE[(i * 7 + len(route.route)) % len(HOSTILE)]
                if self.send(persona, "GET", url, [(n, value) for n in self.names]) in (200, 400):
                    readers.append((persona, url))
            else:
                self.send(persona, "POST", url, [(n, HOSTILE[(i * 5 + j) % len(HOSTILE)]) for j, n in enumerate(self.names)])
        for k, value in enumerate(FIRST if readers else ()):
            persona, url = readers[k % len(readers)]
            self.send(persona, "GET", url, [(n, value) for n in self.names])

    def explore(self, route: routing.Route, examples: int) -> None:
        """A few examples drawn by hypothesis: persona, path (hostile path values too), parameters, body."""
        real = routing.paths(route, self.world)
        path_values: list[st.SearchStrategy[str]] = [st.sampled_from(real)]
        if route.params:
            hostile_paths = st.fixed_dictionaries({
                n: (st.sampled_from(NUMBERS[:6]).filter(lambda v: v.isdigit()) | st.integers(0, 10**25).map(str))
                if n in route.int_params else hostile_text().filter(lambda v: v != "" and "/" not in v)
                for n in route.params
            }).map(lambda values: routing.build(route, values))
            path_values.append(hostile_paths)
        pairs = st.one_of(
            st.lists(st.tuples(st.sampled_from(self.names), hostile_text()), max_size=6),
            hostile_text(long=False).map(lambda v: [(n, v) for n in self.names]),
        )
        methods = sorted(route.methods & {"GET", "POST"}) or ["GET"]

        @settings(
            max_examples=examples, derandomize=True, database=None, deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            persona=st.sampled_from(PERSONAS), url=st.one_of(*path_values), method=st.sampled_from(methods),
            data=pairs,
        )
        def probe(persona: str, url: str, method: str, data: list[tuple[str, str]]) -> None:
            before = len(self.failures)
            self.send(persona, method, url, data)
            assert len(self.failures) == before, self.failures[-1]

        # A failure is recorded in self.failures, hypothesis's smallest example last.
        with contextlib.suppress(AssertionError):
            probe()


def run(fuzz: Fuzz, found: Sequence[routing.Route], *, examples: int) -> None:
    for route in found:
        fuzz.sweep(route)
        fuzz.explore(route, examples)


@pytest.fixture
def fuzz(personas: dict[str, User]) -> Fuzz:
    clients = {}
    for name in PERSONAS:
        client = login_verified(Client(raise_request_exception=False), personas[name])
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "sv"
        clients[name] = client
    return Fuzz(clients, personas, build_world(personas), field_names())


def test_no_route_or_form_answers_a_server_error(fuzz: Fuzz, capsys: pytest.CaptureFixture[str]) -> None:
    found = routing.routes()
    routing.check_covered(found)
    started = time.perf_counter()
    run(fuzz, found, examples=EXAMPLES)
    with capsys.disabled():
        print(
            f"\nfuzz: {len(found)} URL patterns, {len(PERSONAS)} personas, {fuzz.requests} requests "
            f"in {time.perf_counter() - started:.0f} s"
        )
    assert not fuzz.failures, "Server errors:\n" + "\n".join(fuzz.failures[:40])


# --- The fuzz fails on a route it does not know, and on one that breaks ----------------------------


def _breaks_on_bad_input(request: HttpRequest, pk: int) -> HttpResponse:
    """A deliberately broken view: a raw, unchecked query parameter."""
    return HttpResponse(str(int(request.GET.get("year", "2021")) + pk))


urlpatterns = [
    path("", include("samverkan.urls")),
    path("trasig/<int:pk>/", _breaks_on_bad_input, name="broken"),
]


def test_a_route_that_breaks_on_bad_input_is_caught(fuzz: Fuzz, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    found = routing.routes()
    broken = [r for r in found if r.route == "trasig/<int:pk>/"]
    assert broken
    with pytest.raises(AssertionError, match=r"trasig/<int:pk>/"):
        routing.check_covered(found)  # not in FILL: the fuzz refuses to run without it

    routing.FILL["trasig/<int:pk>/"] = {"pk": "shift"}
    try:
        routing.check_covered(found)
        run(fuzz, broken, examples=4)
    finally:
        del routing.FILL["trasig/<int:pk>/"]
    assert fuzz.failures
    assert all("/trasig/" in f and "ValueError" in f for f in fuzz.failures), fuzz.failures


def test_the_hostile_values_reach_the_views(fuzz: Fuzz) -> None:
    """The encoding carries NUL and lone surrogates: a form sees them (and refuses them with a 400)."""
    fuzz.send("polis.analytiker", "GET", "/underrattelser/uppgifter/", [("q", "a\x00b")])
    client = fuzz.clients["polis.analytiker"]
    response = client.get("/underrattelser/uppgifter/?" + encode([("q", "a\x00b")]))
    assert response.status_code == 400
    response = client.get("/pass/kalender/?" + encode([("year", "99999999999999999999999")]))
    assert response.status_code == 400
    assert not fuzz.failures



# --- The server errors the attack of issue 15 found, each checked again ---------------------------

FOUND = (
    ("polis.inre", "/pass/kalender/", [("year", "99999999999999999999999")], 400),
    ("polis.inre", "/pass/kalender/", [("month", "99999999999999999999999")], 400),
    ("polis.inre", "/pass/kalender/", [("year", "+46701234567")], 400),
    ("polis.inre", "/pass/kalender/", [("year", "2021"), ("month", "-1")], 400),
    ("polis.analytiker", "/underrattelser/uppgifter/", [("q", "a\x00b")], 400),
    ("polis.analytiker", "/underrattelser/entiteter/", [("q", "a\x00b")], 400),
    ("polis.analytiker", "/underrattelser/natverk/", [("q", "a\x00b")], 400),
    ("polis.chef", "/resultat/", [("areas", "99999999999999999999999")], 400),
    ("polis.chef", "/resultat/", [("areas", "-1")], 400),
    ("soc.chef", "/resultat/export/", [("fmt", "csv"), ("areas", "99999999999999999999999")], 400),
    ("polis.chef", "/resultat/", [("year", "2005"), ("public", "on")], 200),
    ("soc.chef", "/resultat/export/", [("fmt", "pdf"), ("year", "2005"), ("public", "on")], 302),  # to the job's page
    ("polis.chef", "/resultat/", [("year", "99999999999999999999999")], 400),
    ("polis.inre", "/konto/logga-in/", [("next", "/\x00")], 302),  # signed in already: to the start page
    ("polis.inre", "/anmalningar/", [("page", "99999999999999999999999")], 200),
)


@pytest.mark.parametrize(("persona", "url", "query", "status"), FOUND, ids=[f"{u}?{q}" for _p, u, q, _s in FOUND])
def test_the_server_errors_found_are_refused_with_a_swedish_400(
    personas: dict[str, User], persona: str, url: str, query: list[tuple[str, str]], status: int
) -> None:
    http = login_verified(Client(), personas[persona])
    if url.endswith("/export/"):  # an export's form starts a job: it is posted
        response = http.post(url, encode(query), content_type="application/x-www-form-urlencoded")
    else:
        response = http.get(f"{url}?{encode(query)}")
    assert response.status_code == status
    if status == 400:
        assert response["Content-Language"] == "sv"
        assert "<html lang=\"sv\"" in response.content.decode()


def test_a_disclosure_decision_that_is_neither_is_a_400(personas: dict[str, User]) -> None:
    world = build_world(personas)
    http = login_verified(Client(), personas["soc.handlaggare"])
    pk = world.ids["disclosure"][0]
    for decision in ("\x00", "approve\x00", "A" * 5000, ""):
        response = http.post(f"/utlamnanden/{pk}/beslut/", data=encode([("decision", decision)]),
                             content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        assert "Välj att godkänna eller avslå." in response.content.decode()
