"""The intelligence item record: one specification for both lanes of the import.

Every field of an item in the import format (DESIGN.md §7) is declared once, in
``FIELDS``: its name, its type, its limit or its choices. Both lanes read it:

- the per-record lane, ``validate_record``, checks and normalises one record (a
  dict) in Python and either returns an ``ItemRecord`` or raises ``Invalid`` with
  the reason it is skipped (hand entry, a tip's content, and every record the
  bulk lane does not vouch for);
- the bulk lane (``bulk``) checks a million records in DuckDB with the SQL of
  ``vouched_sql`` and puts them in their final form with ``normalised_sql``.

Each field type spells its rule twice, in Python and in SQL, side by side in
``FieldType``'s functions below, so that a change to one is made next to the
other. The SQL is deliberately conservative: it vouches for a value only where
the Python rule would accept it unchanged (odd whitespace, a number as text, a
duplicate in a list, a local time in the night of a daylight-saving change all
go to Python), so the reasons shown to the user always come from Python.
``intel/tests/test_import.py`` checks that the lanes agree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.intel.models import IntelItem, ItemKind
from samverkan.operations.models import VenueKind

MAX_ID = 200
MAX_LIST_VALUE = 500
MAX_LIST_LENGTH = 200
MAX_AGE = 120
OBSERVED_YEARS = (1990, 2100)


class Invalid(ValueError):
    """A record that cannot be imported; the message is the reason shown to the user."""


class FieldType(StrEnum):
    ID = "id"  # text or a whole number, stored as stripped text
    CHOICE = "choice"  # one of the field's choices
    MOMENT = "moment"  # ISO 8601; without an offset, local time where the collaboration works
    TEXT = "text"  # text (a number is taken as its text), stripped
    LIST = "list"  # strings (in CSV a JSON array or values separated by | or ;), stripped, distinct
    AGE = "age"  # a whole number from 0 to MAX_AGE


@dataclass(frozen=True)
class Field:
    name: str  # in the import format
    type: FieldType
    limit: int = 0  # ID and TEXT: the most characters
    choices: tuple[str, ...] = ()  # CHOICE
    optional: bool = False  # CHOICE: may be left empty

    @property
    def column(self) -> str:
        """Its name in ``ItemRecord``, the bulk lane's tables and ``IntelItem``."""
        return "external_id" if self.type is FieldType.ID else self.name


# In the order of ItemRecord's attributes, of the bulk lane's columns and of the content hash.
FIELDS: tuple[Field, ...] = (
    Field("id", FieldType.ID, limit=MAX_ID),
    Field("kind", FieldType.CHOICE, choices=tuple(ItemKind.values)),
    Field("observed_at", FieldType.MOMENT),
    Field("source", FieldType.TEXT, limit=200),
    Field("title", FieldType.TEXT, limit=500),
    Field("text", FieldType.TEXT, limit=20_000),
    *(Field(name, FieldType.LIST) for name in IntelItem.LIST_FIELDS),
    Field("age", FieldType.AGE),
    Field("city", FieldType.TEXT, limit=120),
    Field("address", FieldType.TEXT, limit=300),
    Field("venue_kind", FieldType.CHOICE, choices=tuple(VenueKind.values), optional=True),
)
COLUMNS = tuple(f.column for f in FIELDS)


@dataclass
class ItemRecord:
    """One valid record, ready to be written: ``line`` and then ``COLUMNS``."""

    line: int
    external_id: str
    kind: str
    observed_at: dt.datetime | None
    source: str
    title: str
    text: str
    phones: list[str]
    emails: list[str]
    urls: list[str]
    handles: list[str]
    names: list[str]
    image_hashes: list[str]
    age: int | None
    city: str
    address: str
    venue_kind: str


# --- The per-record lane: Python --------------------------------------------------------------


def _no_nul(field: Field, text: str) -> str:
    # PostgreSQL's text cannot hold a NUL character: such a record is skipped like any bad one.
    if "\x00" in text:
        raise Invalid(_("%(field)s contains a NUL character") % {"field": field.name})
    return text


def _python_id(field: Field, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(_("%(field)s is missing") % {"field": field.name})
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid(_("%(field)s must be text") % {"field": field.name})
    text = str(value).strip()
    if len(text) > field.limit:
        raise Invalid(_("%(field)s is longer than %(limit)s characters") % {"field": field.name, "limit": field.limit})
    return _no_nul(field, text)


def _python_choice(field: Field, value: Any) -> str:
    if field.optional and not value:
        return ""
    if value not in field.choices:
        raise Invalid(
            _("%(field)s must be one of %(kinds)s, not %(value)s")
            % {"field": field.name, "kinds": ", ".join(field.choices), "value": json.dumps(value, ensure_ascii=False)[:40]}
        )
    return str(value)


def _python_moment(field: Field, value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise Invalid(
                _("%(field)s is not an ISO 8601 date and time: %(value)s") % {"field": field.name, "value": value[:40]}
            ) from exc
    else:
        raise Invalid(_("%(field)s is not an ISO 8601 date and time") % {"field": field.name})
    if timezone.is_naive(moment):
        # A time without offset is local time where the collaboration works.
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    first, last = OBSERVED_YEARS
    if not first <= moment.year <= last:
        raise Invalid(
            _("%(field)s is out of range: %(value)s") % {"field": field.name, "value": moment.date().isoformat()}
        )
    return moment


def _python_text(field: Field, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(_("%(field)s must be text") % {"field": field.name})
    text = str(value).strip()
    if len(text) > field.limit:
        raise Invalid(_("%(field)s is longer than %(limit)s characters") % {"field": field.name, "limit": field.limit})
    return _no_nul(field, text)


def _python_list(field: Field, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError as exc:
                raise Invalid(_("%(field)s is not a valid JSON list") % {"field": field.name}) from exc
        else:
            value = re.split(r"[|;]", stripped)
    if not isinstance(value, list | tuple):
        raise Invalid(_("%(field)s must be a list of strings") % {"field": field.name})
    out: list[str] = []
    for element in value:
        if element is None:
            continue
        if not isinstance(element, str):
            raise Invalid(_("%(field)s must be a list of strings") % {"field": field.name})
        element = element.strip()
        if not element:
            continue
        if len(element) > MAX_LIST_VALUE:
            raise Invalid(
                _("a value in %(field)s is longer than %(limit)s characters")
                % {"field": field.name, "limit": MAX_LIST_VALUE}
            )
        if element not in out:
            out.append(_no_nul(field, element))
    if len(out) > MAX_LIST_LENGTH:
        raise Invalid(_("%(field)s has more than %(limit)s values") % {"field": field.name, "limit": MAX_LIST_LENGTH})
    return out


def _python_age(field: Field, value: Any) -> int | None:
    if value is None or value == "":
        return None
    whole = _("%(field)s must be a whole number") % {"field": field.name}
    if isinstance(value, bool):
        raise Invalid(whole)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if not value.is_integer():
            raise Invalid(whole)
        value = int(value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise Invalid(whole)
        value = int(value.strip())
    if not isinstance(value, int):
        raise Invalid(whole)
    if not 0 <= value <= MAX_AGE:
        raise Invalid(_("%(field)s must be between 0 and %(max)s") % {"field": field.name, "max": MAX_AGE})
    return value


PYTHON: Mapping[FieldType, Callable[[Field, Any], Any]] = {
    FieldType.ID: _python_id,
    FieldType.CHOICE: _python_choice,
    FieldType.MOMENT: _python_moment,
    FieldType.TEXT: _python_text,
    FieldType.LIST: _python_list,
    FieldType.AGE: _python_age,
}


def validate_record(raw: Mapping[str, Any], line: int) -> ItemRecord:
    """The record as an ``ItemRecord``; raises ``Invalid`` with the reason of its first bad field."""
    values = {field.column: PYTHON[field.type](field, raw.get(field.name)) for field in FIELDS}
    return ItemRecord(line=line, **values)


# --- The bulk lane: the same rules in DuckDB's SQL ---------------------------------------------

# What Python's str.strip() removes; a value with any of it at an edge goes to Python.
_WS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
# The ISO 8601 forms both datetime.fromisoformat and DuckDB read alike.
_ISO = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:\d{2})?$"


def sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _stripped(column: str) -> str:
    """SQL: the value has nothing that str.strip() would remove (only its ends are looked at), and no NUL."""
    return (
        f"(NOT contains({column}, chr(0)) AND ({column} = '' OR (NOT contains('{_WS}', left({column}, 1))"
        f" AND NOT contains('{_WS}', right({column}, 1)))))"
    )


def candidate(field: Field) -> str:
    """The column that holds the field as read from the file, before it is vouched for.

    A moment is read as text (``*_raw``), with ``*_naive`` true when it has no offset.
    """
    return f"{field.column}_raw" if field.type is FieldType.MOMENT else field.column


def naive(field: Field) -> str:
    return f"{field.column}_naive"


def _sql_id(field: Field, column: str) -> str:
    return f"({column} IS NOT NULL AND {column} <> '' AND length({column}) <= {field.limit} AND {_stripped(column)})"


def _sql_choice(field: Field, column: str) -> str:
    empty = f"{column} IS NULL OR {column} = '' OR " if field.optional else ""
    return f"({empty}{column} IN ({sql_list(field.choices)}))"


def _sql_moment(field: Field, column: str) -> str:
    first, last = OBSERVED_YEARS
    local = f"TRY_CAST({column} AS TIMESTAMP)"
    return f"""({column} IS NULL OR (
        regexp_matches({column}, '{_ISO}')
        AND TRY_CAST({column} AS TIMESTAMPTZ) IS NOT NULL
        AND year(TRY_CAST(substr({column}, 1, 10) AS DATE)) BETWEEN {first} AND {last}
        -- A local time in the night of a daylight-saving change: Python decides.
        AND NOT ({naive(field)} AND month({local}) IN (3, 10) AND day({local}) >= 25
                 AND dayofweek({local}) = 0 AND hour({local}) BETWEEN 1 AND 3)
    ))"""


def _sql_text(field: Field, column: str) -> str:
    return f"({column} IS NULL OR ({_stripped(column)} AND length({column}) <= {field.limit}))"


def _sql_list(field: Field, column: str) -> str:
    return (
        f"({column} IS NULL OR (len({column}) <= {MAX_LIST_LENGTH}"
        f" AND coalesce(list_bool_and(list_transform({column}, lambda x: x IS NOT NULL AND x <> ''"
        f" AND {_stripped('x')} AND length(x) <= {MAX_LIST_VALUE})), true)"
        f" AND len(list_distinct({column})) = len({column})))"
    )


def _sql_age(field: Field, column: str) -> str:
    return f"({column} IS NULL OR {column} BETWEEN 0 AND {MAX_AGE})"


SQL: Mapping[FieldType, Callable[[Field, str], str]] = {
    FieldType.ID: _sql_id,
    FieldType.CHOICE: _sql_choice,
    FieldType.MOMENT: _sql_moment,
    FieldType.TEXT: _sql_text,
    FieldType.LIST: _sql_list,
    FieldType.AGE: _sql_age,
}


def vouched_sql() -> str:
    """SQL over the candidate columns: true where every field is as ``validate_record`` would leave it."""
    return " AND ".join(SQL[field.type](field, candidate(field)) for field in FIELDS)


def normalised_sql(field: Field) -> str:
    """SQL: the field's final value from its candidate column (what ``validate_record`` returns for it)."""
    column = candidate(field)
    if field.type is FieldType.MOMENT:
        zone = settings.TIME_ZONE.replace("'", "")
        return (
            f"CASE WHEN {column} IS NULL THEN NULL "
            f"WHEN {naive(field)} THEN timezone('{zone}', TRY_CAST({column} AS TIMESTAMP)) "
            f"ELSE TRY_CAST({column} AS TIMESTAMPTZ) END"
        )
    if field.type is FieldType.TEXT or (field.type is FieldType.CHOICE and field.optional):
        return f"coalesce({column}, '')"
    if field.type is FieldType.LIST:
        return f"coalesce({column}, []::VARCHAR[])"
    return column
