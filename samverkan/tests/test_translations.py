"""No English reaches the Swedish interface: a crawl of every persona's pages, and the catalog itself.

The crawl logs in as every persona with Swedish chosen, fetches every URL
pattern with a GET (``routes.FILL``, one record of each side per kind; the API's
JSON is left out: its words are field names), and reads the visible text of
each answer: an HTML page's text nodes and the attributes people read
(``title``, ``aria-label``, ``placeholder``, ``alt``, a button's ``value``), not
inside an element marked as another language (``lang="en"``), and an XLSX's
sheet names and cells (a CSV is for other tools, in their terms). Two checks on
each piece:

- an **untranslated message**: a text equal to an English msgid whose Swedish
  msgstr differs (placeholders match anything), or, for a msgid of four words
  or more, that msgid anywhere in the text. A string that went past gettext,
  or through it without a translation, shows up here;
- **raw English**: a piece with two or more words that no Swedish sentence uses
  ("the", "of", "with", "equal"…): a string never marked for translation at all,
  which the catalog cannot know.

``test_the_catalogs_are_complete`` checks that every Swedish msgstr is filled
in (every plural form) and none is fuzzy; ``test_an_untranslated_string_is_caught``
shows both checks failing on a deliberately untranslated page.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.tests import routes as routing
from samverkan.tests.world import World, build_world

pytestmark = pytest.mark.django_db

SV_PO = Path(__file__).resolve().parents[1] / "locale" / "sv" / "LC_MESSAGES" / "django.po"

# Routes whose answers are not read by people in the interface's language.
SKIP = (
    "api/v1/",  # JSON: field names and codes
    "i18n/",
)

# Words of English that Swedish text never uses as words. Two of them in one piece of text
# (or one beside an English verb form) mean a sentence that never went through gettext.
ENGLISH_WORDS = frozenset(
    ["the", "of", "and", "with", "equal", "which", "from", "these", "those", "this", "that", "were", "was", "has", "have", "been", "their", "there", "where", "when", "not", "are", "is", "by", "for"]
)
# Of those, the ones Swedish does use as words (is = ice, by = village, for = lining, när…): they
# only count beside another English word.
WEAK = frozenset({"is", "by", "for", "not", "from", "when", "where"})


@cache
def _catalog() -> Catalog:
    with SV_PO.open("rb") as fh:
        return read_po(fh, locale="sv")


@dataclass(frozen=True)
class Untranslated:
    """The English msgids of the Swedish catalog whose translation differs from them."""

    exact: frozenset[str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # msgids with placeholders
    long: tuple[str, ...]  # four words or more: found anywhere in a text

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Untranslated:
        exact: set[str] = set()
        patterns: list[tuple[str, re.Pattern[str]]] = []
        long: list[str] = []
        for message in catalog:
            if not message.id:
                continue
            strs = _texts(message.string)
            for msgid in _texts(message.id):
                text = _normalise(msgid)
                if not text or text in {_normalise(s) for s in strs}:
                    continue  # the same word in both languages ("Status", "Samverkan")
                if not re.search(r"[A-Za-z]{2}", text):
                    continue
                if re.search(r"%(\([\w]+\))?[sdif]|\{[\w]*\}", text):
                    parts = re.split(r"%(?:\([\w]+\))?[sdif]|\{[\w]*\}", text)
                    literal = "".join(parts)
                    if len(re.findall(r"[A-Za-z]+", literal)) < 2:
                        continue  # "%(count)s kr": too little of it is English to tell
                    regex = ".+?".join(re.escape(p) for p in parts)
                    patterns.append((msgid, re.compile(f"^{regex}$", re.S)))
                    continue
                exact.add(text)
                if len(text.split()) >= 4:
                    long.append(text)
        return cls(frozenset(exact), tuple(patterns), tuple(long))

    def find(self, piece: str) -> str | None:
        """The msgid ``piece`` shows untranslated, if any."""
        if piece in self.exact:
            return piece
        for msgid, pattern in self.patterns:
            if pattern.match(piece):
                return msgid
        for msgid in self.long:
            if msgid in piece:
                return msgid
        return None


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple of texts (a plural has several; a missing one none)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(str(v) for v in value if v is not None)
    return ()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def raw_english(piece: str) -> bool:
    words = re.findall(r"[a-z]+", piece.lower())
    english = [w for w in words if w in ENGLISH_WORDS]
    strong = [w for w in english if w not in WEAK]
    return len(strong) >= 1 and len(english) >= 2


class _Text(HTMLParser):
    """The visible text nodes of a page and the attributes people read."""

    READ = ("title", "aria-label", "placeholder", "alt", "aria-description")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0
        self._foreign: list[Any] | None = None  # [tag, depth] of an element in another language

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        if self._foreign:
            if tag == self._foreign[0]:
                self._foreign[1] += 1
            return
        if lang and not lang.startswith("sv") and tag != "html":
            self._foreign = [tag, 1]  # words in another language, marked so ("English" on the switch)
            return
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        for name in self.READ:
            if values.get(name):
                self.pieces.append(str(values[name]))
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.pieces.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._foreign:
            if tag == self._foreign[0]:
                self._foreign[1] -= 1
                if not self._foreign[1]:
                    self._foreign = None
            return
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and not self._foreign:
            self.pieces.append(data)


def pieces_of(response: Any) -> Iterator[str]:
    """The pieces of text a person reads in an answer (HTML, XLSX); nothing of other formats.

    A CSV is for other tools (the audit log's, as hashed; a network's, for Gephi and i2): its
    columns and codes are named for them, in English, and documented.
    """
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if body[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(body), read_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError):
            return
        for sheet in book.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(values_only=True):
                yield from (str(v) for v in row if isinstance(v, str))
    elif "text/html" in kind:
        parser = _Text()
        parser.feed(body.decode("utf-8", "replace"))
        yield from parser.pieces


@dataclass
class Finding:
    where: str
    piece: str
    msgid: str | None  # None: raw English, in no catalog


@dataclass
class TranslationCrawl:
    untranslated: Untranslated
    pages: int = 0
    findings: list[Finding] = field(default_factory=list)

    def read(self, where: str, response: Any) -> None:
        self.pages += 1
        for raw in pieces_of(response):
            piece = _normalise(raw)
            if not piece or not re.search(r"[A-Za-z]{2}", piece):
                continue
            msgid = self.untranslated.find(piece)
            if msgid is not None:
                self.findings.append(Finding(where, piece, msgid))
            elif raw_english(piece):
                self.findings.append(Finding(where, piece, None))

    def crawl(self, users: Iterable[User], found: Sequence[routing.Route], world: World) -> None:
        for user in users:
            http = login_verified(Client(), user)
            http.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "sv"
            for route in found:
                if "GET" not in route.methods or route.route.startswith(SKIP):
                    continue
                for url in routing.paths(route, world, per_kind=1):
                    response = http.get(url)
                    if response.status_code == 200:
                        self.read(f"{user.username} {url}", response)

    def report(self) -> str:
        seen: dict[tuple[str, str | None], list[str]] = {}
        for f in self.findings:
            seen.setdefault((f.piece, f.msgid), []).append(f.where)
        lines = []
        for (piece, msgid), where in sorted(seen.items(), key=lambda kv: kv[0][0]):
            kind = "untranslated" if msgid is not None else "raw English"
            lines.append(f"{kind}: {piece[:120]!r} ({len(where)}×, e.g. {where[0]})")
        return "\n".join(lines)


def incomplete(catalog: Catalog) -> list[str]:
    """The msgids whose translation is empty (in any plural form) or marked fuzzy."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = _texts(message.string)
        if message.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(_texts(message.id)[0])
    return missing


def test_the_catalogs_are_complete() -> None:
    """Every Swedish msgstr is filled in (each plural form) and none is marked fuzzy."""
    missing = incomplete(_catalog())
    assert not missing, "Swedish translations missing or fuzzy:\n" + "\n".join(map(str, missing))


def test_an_incomplete_catalog_is_caught() -> None:
    po = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Shift"\nmsgstr "Pass"\n\n'
        'msgid "Venue"\nmsgstr ""\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s dag"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgid "Client"\nmsgstr "Klient"\n'
    )
    catalog = read_po(io.BytesIO(po.encode()), locale="sv")
    assert incomplete(catalog) == ["Venue", "%(n)s day", "Client"]


def test_no_english_reaches_the_swedish_interface(
    personas: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    world = build_world(personas)
    found = routing.routes()
    routing.check_covered(found)
    crawl = TranslationCrawl(Untranslated.from_catalog(_catalog()))
    started = time.perf_counter()
    crawl.crawl(personas.values(), found, world)
    with capsys.disabled():
        print(f"\ntranslation crawl: {crawl.pages} pages read as {len(personas)} personas, "
              f"{time.perf_counter() - started:.0f} s")
    assert crawl.pages > 200
    assert not crawl.findings, "English in the Swedish interface:\n" + crawl.report()


# --- The test catches an untranslated string ----------------------------------------------------


def _forgotten(request: HttpRequest) -> HttpResponse:
    """A page whose button went past gettext, and a sentence never marked for translation.

    (The switch to English, marked ``lang="en"``, is English by right.)"""
    return HttpResponse(
        '<html lang="sv"><body><h1>Pass</h1><button>Log out</button>'
        "<p>≥6 of 16 text bands equal</p><p>Linked by the same phone number</p><p>Senast ändrad av Anna</p>"
        '<button lang="en">English</button></body></html>',
        content_type="text/html; charset=utf-8",
    )


urlpatterns = [path("", include("samverkan.urls")), path("glomd/", _forgotten)]


def test_an_untranslated_string_is_caught(personas: dict[str, User], settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    crawl = TranslationCrawl(Untranslated.from_catalog(_catalog()))
    crawl.crawl([personas["polis.inre"]], [r for r in routing.routes() if r.route == "glomd/"], World())
    assert crawl.pages == 1
    found = {(f.piece, f.msgid) for f in crawl.findings}
    assert found == {
        ("Log out", "Log out"),  # a msgid, untranslated
        ("≥6 of 16 text bands equal", "≥%(n)s of %(total)s text bands equal"),  # a msgid with placeholders
        ("Linked by the same phone number", None),  # in no catalog: raw English
    }
    # Its Swedish page, the same words translated, passes.
    assert not raw_english("Senast ändrad av Anna, från pass och platser")
