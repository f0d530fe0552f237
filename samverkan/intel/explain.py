"""A link's explanation in the user's language.

The linkage engine (Django-free) stores Splink's own names for its comparisons
and levels, in English ("≥6 of 16 text bands equal", "Exact match on city").
They stay so in the stored explanation (the engine's record of what it did);
these functions say them in the interface's language when a page shows them.
A label not known here is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from samverkan.intel.models import EntityKind

COMPARISONS: dict[str, Promise] = {
    "text": gettext_lazy("Title and text"),
    "names": gettext_lazy("Names"),
    "city": gettext_lazy("City"),
    "time": gettext_lazy("Date observed"),
    "age": gettext_lazy("Stated age"),
    "venue": gettext_lazy("Kind of venue"),
}


def _bands(m: re.Match[str]) -> str:
    return _("≥%(n)s of %(total)s text bands equal") % {"n": m["n"], "total": m["total"]}


def _days(m: re.Match[str]) -> str:
    n = int(m["n"])
    return ngettext("within %(n)s day", "within %(n)s days", n) % {"n": n}


def _years(m: re.Match[str]) -> str:
    n = int(m["n"])
    return ngettext("within %(n)s year", "within %(n)s years", n) % {"n": n}


LEVELS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^≥(?P<n>\d+) of (?P<total>\d+) text bands equal$"), _bands),
    (re.compile(r"^within (?P<n>\d+) days?$"), _days),
    (re.compile(r"^within (?P<n>\d+) years?$"), _years),
    (re.compile(r"^\w+ is NULL$"), lambda m: _("not known for both")),
    (re.compile(r"^Exact match on \w+$"), lambda m: _("the same")),
    (re.compile(r"^All other comparisons$"), lambda m: _("different")),
    (re.compile(r"^no text$"), lambda m: _("no text")),
    (re.compile(r"^a rare name shared$"), lambda m: _("a rare name shared")),
    (re.compile(r"^a common name shared$"), lambda m: _("a common name shared")),
    (re.compile(r"^same day$"), lambda m: _("the same day")),
)


def comparison_label(name: str) -> str:
    label = COMPARISONS.get(name)
    return str(label) if label is not None else name


def level_label(level: str) -> str:
    for pattern, say in LEVELS:
        match = pattern.match(level)
        if match:
            return say(match)
    return level


def entity_kind_label(kind: str) -> str:
    try:
        return str(EntityKind(kind).label)
    except ValueError:
        return kind
