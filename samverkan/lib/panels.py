"""What a start-page panel is: a title, lines with counts and links, and one main link.

The apps that own the work build their panels (``AppConfig.start_panels(user)``); the
start page (``web``) finds them through Django's app registry and lays them out by
``order``, so ``web`` needs no import of the apps above it (the results report among
them). Plain data, Django-free: the texts are already translated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    text: str
    url: str = ""
    count: int | None = None
    tone: str = ""  # "", "warn" or "danger": how urgent it is (shown as a badge)


@dataclass(frozen=True)
class Row:
    """One line of a small table of figures: a label, now, before."""

    label: str
    now: str
    before: str


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    order: int  # lower comes first: what needs the user now before what they may look at
    lines: tuple[Line, ...] = ()
    link: Line | None = None  # the one tap: where the user acts
    empty: str = ""  # said when there are no lines
    rows: tuple[Row, ...] = ()
    headers: tuple[str, str, str] = ("", "", "")
    # A small search form (an auditor's): a bound or unbound form and the page it is sent to.
    form: Any = None
    form_action: str = ""
    form_submit: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class NavCount:
    """A count beside a main-menu entry: what waits for the user behind it.

    The apps that own the work declare them (``AppConfig.nav_counts(user)``), through
    their access functions, like their start-page panels; the menu (``web``) puts each
    beside the entry of its page. ``text`` says the count in words ("3 new"), already
    translated: it is what the badge shows and what a screen reader says, never colour
    alone. Only counts above zero are declared.
    """

    url_name: str  # the menu entry's page, as ``web.navigation.ENTRIES`` names it
    count: int
    text: str
    tone: str = "warn"  # "warn" or "danger"
