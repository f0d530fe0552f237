"""Every persona's pages meet WCAG 2.1 A and AA on a phone and a desktop: an axe-core crawl.

For each persona (signed in with both factors) and each viewport (390×844 and
1440×900) the crawl opens the start page, every page of the main menu, and
from those pages one detail page of each kind they link to (a kind is the URL
pattern, e.g. ``pass/<int:pk>/``) and so on, three links deep, plus the public pages (the login page and
the accessibility statement). On each page it

- fails on an answer of 5xx;
- runs axe-core (``helpers.axe_violations``: ``vendor/axe.min.js``, vendored from the npm registry) and
  fails on any violation of the rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa;
- fails when the page is wider than the viewport
  (``document.documentElement.scrollWidth`` or a mobile browser's widened
  ``innerWidth`` beyond the viewport's width): sideways scrolling of
  the whole page, which WCAG 1.4.10 (reflow) forbids at 320 CSS px.

By default a URL pattern is checked once per viewport, for the first persona
that reaches it (the twelve Stockholm personas, one per role and agency),
which keeps the crawl near three minutes on two cores. ``SAMVERKAN_A11Y_FULL=1``
checks every persona's every page and every detail link (slow);
``SAMVERKAN_A11Y_LIST=1`` prints the pages checked.

The crawl prints how many pages it checked and how long it took.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import Resolver404, include, resolve
from django.urls import path as route
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.tests.browser.helpers import axe_violations, page_width
from samverkan.tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FULL = os.environ.get("SAMVERKAN_A11Y_FULL", "") not in {"", "0"}

CRAWL_VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1440, "height": 900}},
}
# The two personas outside Stockholm have the same roles (and pages) as two inside it.
DEFAULT_PERSONAS = (
    "polis.inre", "polis.utredare", "polis.analytiker", "polis.samordnare", "polis.chef", "polis.granskare",
    "polis.admin", "soc.handlaggare", "soc.samordnare", "soc.chef", "soc.granskare", "soc.admin",
)
PUBLIC = ("/konto/logga-in/", "/tillganglighet/")
DEPTH = 3  # links followed from the menu's pages
# Links the crawl does not follow: downloads, machine answers, the way out.
SKIP_PREFIXES = ("/api/", "/i18n/", "/static/", "/konto/logga-ut/")
SKIP_PARTS = ("/export/", "/fil/", "graf.json", ".csv", ".xlsx", ".pdf")

# The innermost elements that reach past the viewport's width, outside any scrolling box.
WIDEST = """(width) => {
  const clipped = (el) => { if (getComputedStyle(el).position === 'absolute') return false;
    for (let p = el.parentElement; p; p = p.parentElement) {
    if (p === document.body) return false;
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const past = (el) => el.getBoundingClientRect().right > width + 1;
  const out = [];
  const all = [...document.querySelectorAll('body *')];
  const right = (el) => el.getBoundingClientRect().right + window.scrollX;
  for (const el of all) {
    if (!past(el) || clipped(el) || [...el.children].some(past)) continue;
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
    if (out.length >= 3) break;
  }
  if (!out.length) {  // nothing past the edge now: the widest elements, for a clue
    const widest = all.filter((el) => !clipped(el)).sort((a, b) => right(b) - right(a)).slice(0, 3);
    for (const el of widest) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
      Math.round(right(el)) + 'px (' + getComputedStyle(el).position + ')');
  }
  return out;
}"""


@dataclass
class A11yCrawl:
    live_url: str
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    done: set[tuple[str, str]] = field(default_factory=set)  # (viewport, kind) checked
    visited: list[str] = field(default_factory=list)

    def kind(self, path: str) -> str | None:
        try:
            return str(resolve(path).route)
        except Resolver404:
            return None

    def check(self, page: Page, viewport: str, who: str, path: str) -> list[str]:
        """Open ``path``, check it, and return the same-site links it offers."""
        response = page.goto(path)
        self.pages += 1
        self.visited.append(f"{viewport} {who} {path}")
        where = f"{viewport} {who} {path}"
        if response is None:
            self.problems.append(f"{where}: no answer")
            return []
        if response.status >= 500:
            self.problems.append(f"{where}: answered {response.status}")
            return []
        self.problems.extend(f"{where}: {violation}" for violation in axe_violations(page))
        # Against the viewport asked for: a mobile browser widens its layout viewport (innerWidth)
        # to fit a page wider than the screen, so innerWidth alone would hide the overflow.
        asked = (page.viewport_size or {"width": 0})["width"]
        if (width := page_width(page)) > asked:
            culprits = ", ".join(page.evaluate(WIDEST, asked))
            self.problems.append(f"{where}: page is {width} px wide in a {asked} px viewport ({culprits})")
        hrefs: list[str] = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        return [self._path(h) for h in hrefs if self._path(h)]

    def _path(self, href: str) -> str:
        parts = urlsplit(href)
        if parts.netloc and not self.live_url.endswith(parts.netloc):
            return ""
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or path.startswith(SKIP_PREFIXES) or any(p in path for p in SKIP_PARTS):
            return ""
        return path

    def visit(self, page: Page, viewport: str, who: str, path: str, seen: set[str]) -> list[str]:
        """Check ``path`` unless this persona saw it, or (by default) its kind was checked already."""
        if path in seen:
            return []
        seen.add(path)
        kind = self.kind(urlsplit(path).path)
        if kind is None:
            return []
        if not FULL and kind != "" and (viewport, kind) in self.done:
            return []
        self.done.add((viewport, kind))
        return self.check(page, viewport, who, path)

    def persona(self, context: BrowserContext, viewport: str, user: User, extra: tuple[str, ...] = ()) -> None:
        page = context.new_page()
        seen: set[str] = set()
        links = self.visit(page, viewport, user.username, "/", seen)
        links += extra
        menu = page.eval_on_selector_all(".site-nav a[href]", "as => as.map(a => a.href)")
        details: list[str] = []
        for href in menu:
            path = self._path(href)
            if path:
                details.extend(self.visit(page, viewport, user.username, path, seen))
        details.extend(links)
        # One page of each kind the menu's pages link to (every link with FULL), and of each kind
        # those link to, and once more: a record's page behind a list's tab.
        kinds: set[str] = set()
        for _depth in range(DEPTH):
            found: list[str] = []
            for path in details:
                kind = self.kind(urlsplit(path).path)
                if kind is None or (kind in kinds and not FULL):
                    continue
                kinds.add(kind)
                found.extend(self.visit(page, viewport, user.username, path, seen))
            details = found
        page.close()


def _session_cookie(user: User, url: str) -> dict[str, Any]:
    client = login_verified(Client(), user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": url}


@pytest.fixture
def crawl_context(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    made: list[BrowserContext] = []

    def _context(viewport: str) -> BrowserContext:
        # The pages keep their Content Security Policy: axe is evaluated through the DevTools protocol.
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm",
            **CRAWL_VIEWPORTS[viewport],
        )
        context.set_default_timeout(20_000)
        made.append(context)
        return context

    yield _context
    for context in made:
        with contextlib.suppress(Exception):  # closed already by the test
            context.close()


def test_every_persona_page_meets_wcag_21_aa_on_a_phone_and_a_desktop(
    personas: dict[str, User], live_server: LiveServer, crawl_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world = build_world(personas)
    # Pages no link reaches: a client's page opens from a search (a POST), never from a list.
    extra = {"soc.handlaggare": (f"/stod/klienter/{world.ids['client'][0]}/",)}
    crawl = A11yCrawl(live_server.url)
    names = sorted(personas) if FULL else DEFAULT_PERSONAS
    started = time.perf_counter()
    for viewport in CRAWL_VIEWPORTS:
        anonymous = crawl_context(viewport).new_page()
        for path in PUBLIC:
            crawl.check(anonymous, viewport, "anonymous", path)
        for name in names:
            context = crawl_context(viewport)
            context.add_cookies([_session_cookie(personas[name], live_server.url)])
            crawl.persona(context, viewport, personas[name], extra.get(name, ()))
            context.close()
    with capsys.disabled():
        print(
            f"\naccessibility crawl: {crawl.pages} pages ({len(names)} personas × {len(CRAWL_VIEWPORTS)} viewports"
            f"{', full' if FULL else ', one page per URL pattern'}), {len(crawl.problems)} problems, "
            f"{time.perf_counter() - started:.0f} s"
        )
        if os.environ.get("SAMVERKAN_A11Y_LIST"):
            print("\n".join(crawl.visited))
    assert not crawl.problems, "Accessibility problems:\n" + "\n".join(crawl.problems)


# --- The crawl catches a page that fails ---------------------------------------------------------


def _bad(request: HttpRequest) -> HttpResponse:
    """A picture without a text alternative."""
    return HttpResponse(
        '<!doctype html><html lang="sv"><head><title>Dålig</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
        '<h1>Dålig sida</h1><img src="/static/samverkan/icon.svg">'
        "</main></body></html>"
    )


def _wide(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        '<!doctype html><html lang="sv"><head><title>Bred</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
        # A width attribute, not a style: the page keeps the CSP, which refuses inline styles.
        '<h1>Bred sida</h1><img src="/static/samverkan/icon.svg" width="1600" height="16" alt="Bredare än skärmen">'
        "</main></body></html>"
    )


def _broken(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Fel", status=500)


urlpatterns = [route("", include("samverkan.urls")), route("dalig/", _bad), route("bred/", _wide), route("trasig/", _broken)]


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_crawl_catches_a_violation_a_wide_page_and_a_5xx(
    personas: dict[str, User], live_server: LiveServer, crawl_context: Any, settings: Any, viewport: str
) -> None:
    settings.ROOT_URLCONF = __name__
    crawl = A11yCrawl(live_server.url)
    page = crawl_context(viewport).new_page()
    crawl.check(page, viewport, "anonymous", "/dalig/")
    crawl.check(page, viewport, "anonymous", "/bred/")
    crawl.check(page, viewport, "anonymous", "/trasig/")
    found = "\n".join(crawl.problems)
    assert "axe image-alt" in found
    assert "/bred/: page is 16" in found and "390 px viewport" in found
    assert "/trasig/: answered 500" in found
    assert crawl.pages == 3
