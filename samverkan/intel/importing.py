"""Bulk import of intelligence items from JSON Lines, CSV or Parquet.

One item per record, in this format (DESIGN.md §7; each field's type, limits and
normalisation are declared once in ``records``): ``id`` (unique, required),
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

import codecs
import csv
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
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
from samverkan.intel.models import ImportBatch, ItemOrigin
from samverkan.intel.records import ItemRecord, validate_record

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
        # Kept in a JSON column: PostgreSQL's jsonb cannot hold the NUL a skipped record may show.
        return {"line": self.line, "id": _shown(self.id), "reason": _shown(self.reason)}

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        if self.id:
            where += f" (id {_shown(self.id)})"
        return f"{where}: {_shown(self.reason)}"


def _shown(text: str) -> str:
    return text.replace("\x00", "\ufffd")


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


BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark it begins with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _encoding_of(head: bytes) -> tuple[str, int]:
    """(encoding, length of its byte-order mark) from a text file's first bytes.

    A byte-order mark names the encoding; without one, text whose first
    characters are ASCII with a zero byte beside each is UTF-16, anything else
    is read as UTF-8 (and refused at the first line that is not).
    """
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le", 0
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be", 0
    return "utf-8", 0


def _undecodable(encoding: str, line: int) -> ImportRefused:
    return ImportRefused(
        _(
            "The file cannot be read as %(encoding)s text: line %(line)s is not. "
            "Save the file as UTF-8 (or UTF-16) and import it again, or name its encoding."
        ) % {"encoding": encoding.upper(), "line": line}
    )


def as_utf8(path: Path, folder: Path, encoding: str | None = None) -> Path:
    """The text file ``path`` as UTF-8 without a byte-order mark: ``path`` itself or a copy in ``folder``.

    ``encoding`` is the one the user declared; without it the file's own
    byte-order mark decides, else UTF-16 is recognised and UTF-8 assumed. A
    file that does not decode is refused with the number of its first bad
    line, before anything is read.
    """
    skip = 0
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError as exc:
            raise ImportRefused(_("Unknown text encoding: %(encoding)s.") % {"encoding": encoding[:40]}) from exc
        if encoding == "utf-8":
            encoding = "utf-8-sig"  # a declared UTF-8 file may still begin with the mark
    else:
        with path.open("rb") as stream:
            encoding, skip = _encoding_of(stream.read(4))
    if encoding == "utf-8" and skip == 0:
        _check_utf8(path)
        return path
    target = folder / f"utf8{path.suffix}"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        source.read(skip)
        for block in iter(lambda: source.read(1 << 20), b""):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                partial = block[: exc.start].decode(encoding, errors="replace") if exc.start else ""
                raise _undecodable(encoding, line + partial.count("\n")) from exc
            line += text.count("\n")
            out.write(text)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise _undecodable(encoding, line) from exc
    return target


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8, naming its first bad line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line = 1
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise _undecodable("utf-8", line + block.count(b"\n", 0, exc.start)) from exc
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _undecodable("utf-8", line) from exc


def read_records(path: Path, file_format: str) -> Iterator[RawRecord]:
    if file_format == "parquet":
        yield from _read_parquet(path)
        return
    with path.open("rb") as stream:
        if file_format == "csv":
            yield from _read_csv(stream)
        else:
            yield from _read_jsonl(stream)


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
        bulk.candidates_from_json(con)
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
            bulk.candidates_from_table(con, table, offset)
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
    encoding: str | None = None,
    display_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction; audited as one event.

    Raises ``ImportRefused`` for an unreadable file (a text file is read as
    ``encoding``, else as its byte-order mark says, else as UTF-16 or UTF-8:
    see ``as_utf8``), or in strict mode when any record is invalid; then
    nothing is written.
    """
    if not agency.is_police:
        raise ImportRefused(_("Intelligence belongs to a police agency."))
    file_format = file_format or detect_format(path.name)
    if file_format not in FORMATS:
        raise ImportRefused(_("Unknown file format: use JSON Lines (.jsonl), CSV (.csv) or Parquet (.parquet)."))
    with TemporaryDirectory(prefix="samverkan-import-") as folder:
        text = path if file_format == "parquet" else as_utf8(path, Path(folder), encoding)
        return _import(
            text, agency=agency, user=user, file_format=file_format, strict=strict,
            display_name=display_name or path.name, checksum_of=path, progress=progress, on_validated=on_validated,
        )


def _import(
    path: Path,
    *,
    agency: Agency,
    user: User | None,
    file_format: str,
    strict: bool,
    display_name: str,
    checksum_of: Path,
    progress: Callable[[int], None] | None,
    on_validated: Callable[[int], None] | None,
) -> ImportSummary:
    con = bulk.connect()
    started = time.perf_counter()
    # The file's checksum is read alongside the validation (hashlib lets go of the GIL).
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intel-sha256")
    checksum = hashing.submit(sha256_of, checksum_of)
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
                file_name=display_name[:300],
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
                # Counts only: a file's name is the importer's free text, which the agency's
                # auditors (who read no intelligence) must not be shown; the batch keeps it.
                detail=(
                    f"{file_format}: read {read}, new {written.created}, changed {written.updated}, "
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
