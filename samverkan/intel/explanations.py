"""Why two items are linked, in the user's language: the one place for the explanations' wording.

The linkage engine (``intel.linkage``, Django-free) stores an explanation with
each link as plain data: the comparison's name (``text``, ``names``, ``city``,
``time``, ``age``, ``venue``) and its level's label as Splink names it
(``≥6 of 16 text bands equal``, ``Exact match on city``, ``within 30
days``, ``All other comparisons``). The labels stay stored as they are (a
stable key for every language); this module turns them into sentences
through gettext when a page shows them. A label it does not know is shown as
stored, never dropped. Keep every explanation string here.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

_BANDS = re.compile(r"^≥(\d+) of (\d+) text bands equal$")
_WITHIN_DAYS = re.compile(r"^within (\d+) days$")
_WITHIN_YEARS = re.compile(r"^within (\d+) years$")
_IS_NULL = re.compile(r"^(\w+) is NULL$")
_EXACT = re.compile(r"^Exact match on (\w+)$")


def comparison_name(name: str) -> str:
    """The compared property, as the user calls it."""
    names = {
        "text": _("Text"),
        "names": _("Names"),
        "city": _("City"),
        "time": _("Time"),
        "age": _("Stated age"),
        "venue": _("Kind of venue"),
    }
    return names.get(name, name)


def level_label(comparison: str, label: str) -> str:
    """A comparison level's label (as Splink stores it) as a sentence in the user's language."""
    if match := _BANDS.match(label):
        equal, bands = int(match.group(1)), int(match.group(2))
        return _("At least %(equal)s of %(bands)s parts of the text are the same") % {"equal": equal, "bands": bands}
    if match := _WITHIN_DAYS.match(label):
        days = int(match.group(1))
        return _("Within %(n)s days") % {"n": days}
    if match := _WITHIN_YEARS.match(label):
        years = int(match.group(1))
        return _("Ages within %(n)s years") % {"n": years}
    if _IS_NULL.match(label) or label in {"no text", "null"}:
        return _("Missing in one of the items")
    if _EXACT.match(label):
        return {
            "city": _("The same city"),
            "age": _("The same stated age"),
            "venue": _("The same kind of venue"),
        }.get(comparison, _("The same"))
    fixed = {
        "All other comparisons": _("Different"),
        "a rare name shared": _("A rare name in both"),
        "a common name shared": _("A common name in both"),
        "same day": _("The same day"),
    }
    return fixed.get(label, label)


def entity_kind_label(kind: str) -> str:
    """A shared identifier's kind (phone, e-mail, …) in the user's language; unknown kinds as stored."""
    from samverkan.intel.models import EntityKind  # the models import this module

    try:
        return str(EntityKind(kind).label)
    except ValueError:
        return kind


def comparisons(explanation: Any) -> list[dict[str, Any]]:
    """The link's comparisons with ``name`` and ``result`` in the user's language beside what is stored."""
    if not isinstance(explanation, dict):
        return []
    rows = explanation.get("comparisons", [])
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        name, level = str(row.get("comparison", "")), str(row.get("level", ""))
        out.append({**row, "name": comparison_name(name), "result": level_label(name, level)})
    return out
