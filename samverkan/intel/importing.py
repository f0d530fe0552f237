"""Bulk import of intelligence items from JSON Lines, CSV or Parquet.

One item per record, in this format (DESIGN.md §7): ``id`` (unique, required),
``kind`` (``ad``, ``observation``, ``tip``), ``observed_at`` (ISO 8601),
``source``, ``title``, ``text``, ``phones``, ``emails``, ``urls``, ``handles``,
``names``, ``image_hashes`` (lists of strings; in CSV a JSON array or values
separated by ``|``), ``age`` (stated, may be empty), ``city``, ``address``,
``venue_kind``.

Invalid records are reported with their line number and the reason and
skipped — or, with ``strict``, the whole import is refused and nothing is
written. A record whose id is already imported with the same content is left
alone, so importing the same file twice changes nothing. Rows are written in
chunks with bulk inserts (``COPY`` on PostgreSQL); the entities of each item
come from the linkage package's normalisers (``samverkan.intel.entities``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samverkan.accounts.models import Agency, User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel import bulk
from samverkan.intel.bulk import MAX_AGE, MAX_LIST_LENGTH, MAX_LIST_VALUE, TEXT_LIMITS
from samverkan.intel.models import ImportBatch, ItemKind, ItemOrigin
from samverkan.operations.models import VenueKind

FORMATS = ("jsonl", "csv", "parquet")
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The whole import is refused (strict mode, or an unreadable file); nothing was written."""

    def __init__(self, message: str, errors: list[RecordError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass(frozen=True)
class RecordError:
    line: int
    id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.id, "reason": self.reason}

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        if self.id:
            where += f" (id {self.id})"
        return f"{where}: {self.reason}"


@dataclass
class ItemRecord:
    """One valid record, ready to be written."""

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
    content_hash: str = ""

    def compute_hash(self) -> str:
        payload = [
            self.kind,
            self.observed_at.isoformat() if self.observed_at else None,
            self.source, self.title, self.text,
            self.phones, self.emails, self.urls, self.handles, self.names, self.image_hashes,
            self.age, self.city, self.address, self.venue_kind,
        ]
        canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def fields(self) -> dict[str, Any]:
        return {
            "external_id": self.external_id, "kind": self.kind, "observed_at": self.observed_at,
            "source": self.source, "title": self.title, "text": self.text,
            "phones": self.phones, "emails": self.emails, "urls": self.urls, "handles": self.handles,
            "names": self.names, "image_hashes": self.image_hashes, "age": self.age,
            "city": self.city, "address": self.address, "venue_kind": self.venue_kind,
            "content_hash": self.content_hash,
        }


@dataclass
class ImportSummary:
    batch: ImportBatch | None
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)
    entities_linked: int = 0

    @property
    def skipped(self) -> int:
        return len(self.errors)


# --- Reading ---------------------------------------------------------------------------------


def detect_format(name: str) -> str | None:
    return SUFFIXES.get(Path(name).suffix.lower())


RawRecord = tuple[int, dict[str, Any] | None, str]  # line, record (None if unreadable), reason


def _read_jsonl(stream: IO[bytes]) -> Iterator[RawRecord]:
    for line_no, raw_line in enumerate(stream, 1):
        line = raw_line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            yield line_no, None, _("not valid JSON (%(error)s)") % {"error": str(exc)[:120]}
            continue
        if not isinstance(value, dict):
            yield line_no, None, _("not a JSON object")
            continue
        yield line_no, value, ""


def _read_csv(stream: IO[bytes]) -> Iterator[RawRecord]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    if reader.fieldnames is None:
        return
    if "id" not in reader.fieldnames:
        raise ImportRefused(_("The CSV file has no column named id."))
    try:
        start = reader.line_num + 1
        for row in reader:
            extra = row.pop(None, None)
            if extra:
                yield start, None, _("more values than columns")
            else:
                yield start, {k: (v if v != "" else None) for k, v in row.items()}, ""
            start = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _read_parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise ImportRefused(_("The Parquet file cannot be read: %(error)s") % {"error": exc}) from exc
    if "id" not in parquet.schema_arrow.names:
        raise ImportRefused(_("The Parquet file has no column named id."))
    line = 0
    for batch in parquet.iter_batches(batch_size=50_000):
        for row in batch.to_pylist():
            line += 1
            yield line, row, ""


def read_records(path: Path, file_format: str) -> Iterator[RawRecord]:
    if file_format == "parquet":
        yield from _read_parquet(path)
        return
    with path.open("rb") as stream:
        if file_format == "csv":
            yield from _read_csv(stream)
        else:
            yield from _read_jsonl(stream)


# --- Validation ------------------------------------------------------------------------------


class _Invalid(Exception):
    pass


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(_("%(field)s must be text") % {"field": name})
    text = str(value).strip()
    if len(text) > TEXT_LIMITS[name]:
        raise _Invalid(_("%(field)s is longer than %(limit)s characters") % {"field": name, "limit": TEXT_LIMITS[name]})
    return text


def _list(raw: dict[str, Any], name: str) -> list[str]:
    value = raw.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError as exc:
                raise _Invalid(_("%(field)s is not a valid JSON list") % {"field": name}) from exc
        else:
            value = re.split(r"[|;]", stripped)
    if not isinstance(value, list | tuple):
        raise _Invalid(_("%(field)s must be a list of strings") % {"field": name})
    out: list[str] = []
    for element in value:
        if element is None:
            continue
        if not isinstance(element, str):
            raise _Invalid(_("%(field)s must be a list of strings") % {"field": name})
        element = element.strip()
        if not element:
            continue
        if len(element) > MAX_LIST_VALUE:
            raise _Invalid(_("a value in %(field)s is longer than %(limit)s characters") % {"field": name, "limit": MAX_LIST_VALUE})
        if element not in out:
            out.append(element)
    if len(out) > MAX_LIST_LENGTH:
        raise _Invalid(_("%(field)s has more than %(limit)s values") % {"field": name, "limit": MAX_LIST_LENGTH})
    return out


def _observed_at(value: Any) -> dt.datetime | None:
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
            raise _Invalid(_("observed_at is not an ISO 8601 date and time: %(value)s") % {"value": value[:40]}) from exc
    else:
        raise _Invalid(_("observed_at is not an ISO 8601 date and time"))
    if timezone.is_naive(moment):
        # A time without offset is local time where the collaboration works.
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if not (1990 <= moment.year <= 2100):
        raise _Invalid(_("observed_at is out of range: %(value)s") % {"value": moment.date().isoformat()})
    return moment


def _age(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Invalid(_("age must be a whole number"))
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if not value.is_integer():
            raise _Invalid(_("age must be a whole number"))
        value = int(value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise _Invalid(_("age must be a whole number"))
        value = int(value.strip())
    if not isinstance(value, int):
        raise _Invalid(_("age must be a whole number"))
    if not 0 <= value <= MAX_AGE:
        raise _Invalid(_("age must be between 0 and %(max)s") % {"max": MAX_AGE})
    return value


def validate_record(raw: dict[str, Any], line: int) -> ItemRecord:
    """The record as an ``ItemRecord``; raises ``ValueError`` with the reason if invalid."""
    raw_id = raw.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise ValueError(_("id is missing"))
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise ValueError(_("id must be text"))
    external_id = str(raw_id).strip()
    if len(external_id) > 200:
        raise ValueError(_("id is longer than 200 characters"))
    try:
        kind = raw.get("kind")
        if kind not in ItemKind.values:
            raise _Invalid(
                _("kind must be one of %(kinds)s, not %(value)s")
                % {"kinds": ", ".join(ItemKind.values), "value": json.dumps(kind, ensure_ascii=False)[:40]}
            )
        venue_kind = raw.get("venue_kind") or ""
        if venue_kind and venue_kind not in VenueKind.values:
            raise _Invalid(
                _("venue_kind must be one of %(kinds)s, not %(value)s")
                % {"kinds": ", ".join(VenueKind.values), "value": json.dumps(venue_kind, ensure_ascii=False)[:40]}
            )
        record = ItemRecord(
            line=line,
            external_id=external_id,
            kind=str(kind),
            observed_at=_observed_at(raw.get("observed_at")),
            source=_text(raw, "source"),
            title=_text(raw, "title"),
            text=_text(raw, "text"),
            phones=_list(raw, "phones"),
            emails=_list(raw, "emails"),
            urls=_list(raw, "urls"),
            handles=_list(raw, "handles"),
            names=_list(raw, "names"),
            image_hashes=_list(raw, "image_hashes"),
            age=_age(raw.get("age")),
            city=_text(raw, "city"),
            address=_text(raw, "address"),
            venue_kind=str(venue_kind),
        )
    except _Invalid as exc:
        raise ValueError(str(exc)) from exc
    record.content_hash = record.compute_hash()
    return record


# --- Validating into DuckDB, then writing -------------------------------------------------------


def _validate_raw(pairs: Iterable[tuple[int, dict[str, Any] | None, str]]) -> tuple[list[ItemRecord], list[RecordError]]:
    records: list[ItemRecord] = []
    errors: list[RecordError] = []
    for line, raw, reason in pairs:
        if raw is None:
            errors.append(RecordError(line, "", reason))
            continue
        try:
            records.append(validate_record(raw, line))
        except ValueError as exc:
            raw_id = raw.get("id")
            errors.append(RecordError(line, str(raw_id)[:200] if isinstance(raw_id, str | int) else "", str(exc)))
    return records, errors


def _json_slow(con: Any) -> Iterator[RawRecord]:
    rows = con.execute(
        "SELECT line, doc FROM docs WHERE line IN (SELECT line FROM slow) ORDER BY line"
    ).fetchall()
    for line, doc in rows:
        if not doc:
            yield line, None, _("not valid UTF-8 text")
            continue
        try:
            value = json.loads(doc)
        except ValueError as exc:
            yield line, None, _("not valid JSON (%(error)s)") % {"error": str(exc)[:120]}
            continue
        if not isinstance(value, dict):
            yield line, None, _("not a JSON object")
            continue
        yield line, value, ""


def _table_slow(con: Any, table: Any, offset: int) -> Iterator[RawRecord]:
    lines = [row[0] for row in con.execute("SELECT line FROM slow ORDER BY line").fetchall()]
    for start in range(0, len(lines), 10_000):
        part = lines[start : start + 10_000]
        rows = table.take([line - offset - 1 for line in part]).to_pylist()
        for line, row in zip(part, rows, strict=True):
            yield line, {k: (None if v == "" else v) for k, v in row.items()}, ""


def _read_csv_table(path: Path) -> Any:
    """The CSV file as an Arrow table of text, or None if it needs the careful reader."""
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.csv as pacsv  # type: ignore[import-untyped,unused-ignore]

    with path.open("r", encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream), None)
    if not header or "id" not in header:
        return None
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    # A value spanning lines would shift every later line number: the careful reader counts them.
    for column in table.columns:
        if pc.any(pc.match_substring(column, "\n")).as_py():
            return None
    return table


def validate_into(con: Any, path: Path, file_format: str) -> tuple[list[RecordError], int]:
    """Validate the file into DuckDB table ``valid``; the invalid records and the count read."""
    errors: list[RecordError] = []
    if file_format == "jsonl":
        read = bulk.load_json_lines(con, path)
        bulk._candidates_from_json(con)
        bulk.split_candidates(con)
        records, errors = _validate_raw(_json_slow(con))
        con.execute("DROP TABLE docs")
    else:
        table = None
        offset = 0
        if file_format == "parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

            try:
                table = pq.read_table(path)
            except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
                raise ImportRefused(_("The Parquet file cannot be read: %(error)s") % {"error": exc}) from exc
            if "id" not in table.column_names:
                raise ImportRefused(_("The Parquet file has no column named id."))
        else:
            table = _read_csv_table(path)
            offset = 1  # the header line
        if table is None:
            # The careful reader: every record through Python, with exact line numbers.
            pairs = list(read_records(path, file_format))
            read = len(pairs)
            records, errors = _validate_raw(pairs)
            bulk.empty_valid_all(con)
        else:
            read = table.num_rows
            bulk._candidates_from_table(con, table, offset)
            bulk.split_candidates(con)
            records, errors = _validate_raw(_table_slow(con, table, offset))
            con.unregister("records")
    bulk.add_valid(con, records)
    for line, external_id, first in bulk.finish_valid(con):
        errors.append(RecordError(line, external_id, _("the id was already used on line %(line)s") % {"line": first}))
    errors.sort(key=lambda e: e.line)
    return errors, read


def store_records(
    records: list[ItemRecord], *, agency: Agency, batch: ImportBatch | None, user: User | None, origin: str,
) -> bulk.Written:
    """Write records already validated in Python (hand entry, a tip's content)."""
    con = bulk.connect()
    try:
        bulk.empty_valid_all(con)
        bulk.add_valid(con, records)
        bulk.finish_valid(con)
        return bulk.write(con, agency_id=agency.pk, batch_id=batch.pk if batch else None, user_id=user.pk if user else None, origin=origin)
    finally:
        con.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    path: Path,
    *,
    agency: Agency,
    user: User | None = None,
    file_format: str | None = None,
    strict: bool = False,
    display_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction; audited as one event.

    Raises ``ImportRefused`` for an unreadable file, or in strict mode when any
    record is invalid; then nothing is written.
    """
    if not agency.is_police:
        raise ImportRefused(_("Intelligence belongs to a police agency."))
    file_format = file_format or detect_format(path.name)
    if file_format not in FORMATS:
        raise ImportRefused(_("Unknown file format: use JSON Lines (.jsonl), CSV (.csv) or Parquet (.parquet)."))
    con = bulk.connect()
    started = time.perf_counter()
    # The file's checksum is read alongside the validation (hashlib lets go of the GIL).
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intel-sha256")
    checksum = hashing.submit(sha256_of, path)
    hashing.shutdown(wait=False)
    try:
        errors, read = validate_into(con, path, file_format)
        logger.info("validated %s records: %.1f s", read, time.perf_counter() - started)
        valid = bulk.count_rows(con, "SELECT count(*) FROM valid")
        if on_validated is not None:
            on_validated(valid)
        if strict and errors:
            raise ImportRefused(
                ngettext(
                    "%(count)s record is invalid; nothing was imported (strict mode).",
                    "%(count)s records are invalid; nothing was imported (strict mode).",
                    len(errors),
                ) % {"count": len(errors)},
                errors,
            )
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                agency=agency,
                file_name=(display_name or path.name)[:300],
                sha256=checksum.result(),
                file_format=file_format,
                strict=strict,
                created_by=user,
                read_count=read,
                skipped_count=len(errors),
                errors=[e.as_dict() for e in errors[: ImportBatch.MAX_ERRORS_KEPT]],
            )
            written = bulk.write(
                con, agency_id=agency.pk, batch_id=batch.pk, user_id=user.pk if user else None,
                origin=ItemOrigin.IMPORT, progress=progress,
            )
            batch.created_count, batch.updated_count, batch.unchanged_count = written.created, written.updated, written.unchanged
            batch.finished_at = timezone.now()
            batch.save(update_fields=["created_count", "updated_count", "unchanged_count", "finished_at"])
            do_record_event(
                user=user,
                username="manage.py import_intel" if user is None else "",
                agency=agency,
                action=AuditAction.CREATE,
                record_type=RecordType.INTEL_ITEM,
                record_id=f"import:{batch.pk}",
                detail=(
                    f"{batch.file_name}: read {read}, new {written.created}, changed {written.updated}, "
                    f"unchanged {written.unchanged}, skipped {len(errors)}"
                ),
            )
    finally:
        con.close()
        if not checksum.cancel():
            checksum.exception()  # waits: the file's reader is not left running behind the import
    return ImportSummary(
        batch=batch, read=read, created=written.created, updated=written.updated, unchanged=written.unchanged,
        errors=errors, entities_linked=written.links,
    )
