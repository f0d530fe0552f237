"""The import: formats, line-numbered errors, strict mode, idempotence, entities."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from samverkan.accounts.models import Agency, User
from samverkan.audit.models import AuditEvent
from samverkan.intel.importing import ImportRefused, import_file
from samverkan.intel.models import Entity, ImportBatch, IntelItem, ItemEntity

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]

GOOD: list[dict[str, Any]] = [
    {
        "id": "ad-1", "kind": "ad", "observed_at": "2024-05-01T21:15:00+02:00", "source": "site.example",
        "title": "Ny i stan", "text": "Ring 070-174 06 05 eller maila anna(at)example.com", "phones": ["070-174 06 05"],
        "emails": [], "urls": ["https://site.example/ad/1?utm_source=x"], "handles": ["@Anna"], "names": ["Åsa"],
        "image_hashes": ["0xDEADBEEF00112233"], "age": 22, "city": "Stockholm", "address": "Storg. 3, 111 22 Stockholm",
        "venue_kind": "hotel",
    },
    {"id": "ad-2", "kind": "ad", "observed_at": "2024-05-02 10:00", "phones": ["+46 70 174 06 05"], "names": ["Asa"], "age": None},
    {"id": 3, "kind": "observation", "observed_at": "2024-05-03", "text": "Bil ABC 123 utanför", "city": "Malmö"},
]
BAD = [
    ({"kind": "ad"}, "id is missing"),
    ({"id": "x1", "kind": "poster"}, "kind must be one of"),
    ({"id": "x2", "kind": "ad", "observed_at": "last tuesday"}, "observed_at is not an ISO 8601"),
    ({"id": "x3", "kind": "ad", "age": "twenty"}, "age must be a whole number"),
    ({"id": "x4", "kind": "ad", "age": 150}, "age must be between 0 and 120"),
    ({"id": "x5", "kind": "ad", "phones": "not a list" * 0 or 5}, "phones must be a list of strings"),
    ({"id": "x6", "kind": "ad", "venue_kind": "castle"}, "venue_kind must be one of"),
    ({"id": "ad-1", "kind": "ad"}, "the id was already used on line 1"),
]


def write_jsonl(path: Path, records: list[Any], extra_lines: list[str] = ()) -> Path:  # type: ignore[assignment]
    with path.open("w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        for line in extra_lines:
            stream.write(line + "\n")
    return path


def test_jsonl_import_with_errors_by_line(tmp_path: Path, police: Agency) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", GOOD + [b for b, _r in BAD], ["", "{not json", "[1, 2]"])
    summary = import_file(path, agency=police)
    assert (summary.created, summary.skipped) == (3, len(BAD) + 2)
    reasons = {e.line: e.reason for e in summary.errors}
    for offset, (_record, reason) in enumerate(BAD):
        assert reason in reasons[len(GOOD) + offset + 1], (offset, reasons)
    assert "not valid JSON" in reasons[len(GOOD) + len(BAD) + 2]
    assert "not a JSON object" in reasons[len(GOOD) + len(BAD) + 3]
    item = IntelItem.objects.get(external_id="ad-1")
    assert item.observed_at is not None and item.observed_at.isoformat() == "2024-05-01T19:15:00+00:00"
    assert IntelItem.objects.get(external_id="3").kind == "observation"
    values = set(ItemEntity.objects.filter(item=item).values_list("entity__kind", "entity__value"))
    assert ("phone", "+46701740605") in values
    assert ("name", "asa") in values
    assert ("url", "site.example/ad/1") in values
    assert ("image_hash", "deadbeef00112233") in values
    assert ("email", "anna@example.com") not in values  # "(at)" inside text is not an address pattern
    assert ("address", "storgatan 3") in values
    # The same phone written another way is one entity, with both items.
    phone = Entity.objects.get(kind="phone", value="+46701740605")
    assert set(phone.item_links.values_list("item__external_id", flat=True)) == {"ad-1", "ad-2"}
    assert Entity.objects.filter(kind="vehicle", value="ABC123").exists()
    batch = summary.batch
    assert batch is not None and batch.skipped_count == len(BAD) + 2 and len(batch.errors) == len(BAD) + 2
    assert AuditEvent.objects.filter(record_id=f"import:{batch.pk}", action="create").exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_by_default_a_large_load_leaves_the_indexes_and_the_table_to_others(
    tmp_path: Path, police: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No DROP INDEX (an exclusive lock for the whole import, which stalled hand entry and deadlocked)."""
    from samverkan.intel import bulk

    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 1)
    statements: list[str] = []
    real = bulk._drop_secondary_indexes

    def spy(table: str, incoming: int) -> list[str]:
        dropped = real(table, incoming)
        statements.extend(dropped)
        return dropped

    monkeypatch.setattr(bulk, "_drop_secondary_indexes", spy)
    summary = import_file(write_jsonl(tmp_path / "items.jsonl", GOOD), agency=police)
    assert summary.created == 3
    assert statements == []


def test_reimport_changes_nothing(tmp_path: Path, police: Agency) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", GOOD)
    import_file(path, agency=police)
    before = (
        list(IntelItem.objects.order_by("pk").values()),
        list(Entity.objects.order_by("pk").values()),
        list(ItemEntity.objects.order_by("item_id", "entity_id").values()),
    )
    summary = import_file(path, agency=police)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    after = (
        list(IntelItem.objects.order_by("pk").values()),
        list(Entity.objects.order_by("pk").values()),
        list(ItemEntity.objects.order_by("item_id", "entity_id").values()),
    )
    assert before == after


def test_a_changed_record_is_updated(tmp_path: Path, police: Agency) -> None:
    import_file(write_jsonl(tmp_path / "a.jsonl", GOOD), agency=police)
    changed = [dict(GOOD[0], phones=["08-123 456 78"], text="Ring mig"), *GOOD[1:]]
    summary = import_file(write_jsonl(tmp_path / "b.jsonl", changed), agency=police)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    item = IntelItem.objects.get(external_id="ad-1")
    assert item.phones == ["08-123 456 78"]
    assert ItemEntity.objects.filter(item=item, entity__value="+46812345678").exists()
    assert not ItemEntity.objects.filter(item=item, entity__value="+46701740605").exists()


def test_strict_refuses_everything(tmp_path: Path, police: Agency) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", [*GOOD, BAD[0][0]])
    with pytest.raises(ImportRefused) as refused:
        import_file(path, agency=police, strict=True)
    assert refused.value.errors[0].line == 4
    assert not IntelItem.objects.exists()
    assert not ImportBatch.objects.exists()


def test_csv_and_parquet(tmp_path: Path, police: Agency) -> None:
    csv_path = tmp_path / "items.csv"
    csv_path.write_text(
        "id,kind,observed_at,phones,names,age,city\n"
        'c-1,ad,2024-05-01T10:00:00Z,"[""070-174 06 05""]",Anna|Bella,25,Lund\n'
        "c-2,ad,2024-05-01T11:00:00Z,070-174 06 05;08-123 456 78,,,Lund\n"
        "c-3,ad,yesterday,,,,\n",
        encoding="utf-8",
    )
    summary = import_file(csv_path, agency=police)
    assert (summary.created, summary.skipped) == (2, 1)
    assert summary.errors[0].line == 4
    assert IntelItem.objects.get(external_id="c-1").names == ["Anna", "Bella"]
    assert IntelItem.objects.get(external_id="c-2").phones == ["070-174 06 05", "08-123 456 78"]

    table = pa.table({
        "id": ["p-1", "p-2", None],
        "kind": ["ad", "tip", "ad"],
        "observed_at": ["2024-06-01T00:00:00+00:00", None, None],
        "phones": [["070-174 06 05"], [], None],
        "age": pa.array([30, None, 40], pa.int64()),
    })
    multiline = tmp_path / "multiline.csv"
    multiline.write_text('id,kind,text\nm-1,ad,"line one\nline two"\nm-2,poster,x\n', encoding="utf-8")
    summary = import_file(multiline, agency=police)
    assert summary.created == 1 and summary.errors[0].line == 4  # the record after the two-line value
    assert IntelItem.objects.get(external_id="m-1").text == "line one\nline two"

    parquet_path = tmp_path / "items.parquet"
    pq.write_table(table, parquet_path)
    summary = import_file(parquet_path, agency=police)
    assert (summary.created, summary.skipped) == (2, 1)
    assert summary.errors[0].line == 3 and "id is missing" in summary.errors[0].reason


def test_the_two_lanes_agree(tmp_path: Path, police: Agency) -> None:
    """A record checked by DuckDB and the same record checked by Python are stored alike."""
    fast = dict(GOOD[0], id="lane-fast")
    slow = dict(GOOD[0], id="lane-slow", title=" Ny i stan ")  # edge spaces: Python decides, and strips
    import_file(write_jsonl(tmp_path / "l.jsonl", [fast, slow]), agency=police)
    a = IntelItem.objects.get(external_id="lane-fast")
    b = IntelItem.objects.get(external_id="lane-slow")
    assert a.content_hash == b.content_hash
    assert a.observed_at == b.observed_at and a.title == b.title


def test_command(tmp_path: Path, police: Agency) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", [*GOOD, BAD[1][0]])
    out, err = io.StringIO(), io.StringIO()
    call_command("import_intel", str(path), "--agency", police.code, stdout=out, stderr=err, verbosity=0)
    assert "3 new" in out.getvalue() and "1 skipped" in out.getvalue()
    assert "line 4" in err.getvalue() and "kind must be one of" in err.getvalue()
    with pytest.raises(CommandError, match="strict"):
        call_command("import_intel", str(path), "--agency", police.code, "--strict", stdout=out, stderr=err, verbosity=0)
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_intel", str(tmp_path / "missing.jsonl"), stdout=out, stderr=err)
    with pytest.raises(CommandError, match="not a police agency"):
        call_command("import_intel", str(path), "--agency", "stockholms-stad", stdout=out, stderr=err)


def test_upload_page(personas: dict[str, User], login: Login, police: Agency, settings: Any) -> None:
    client = login(personas["polis.analytiker"])
    body = "\n".join(json.dumps(r) for r in GOOD) + "\n{broken\n"
    upload = io.BytesIO(body.encode())
    upload.name = "ads.jsonl"
    response = client.post("/underrattelser/import/", {"file": upload})
    assert response.status_code == 302
    # The import ran as a job (at once in the tests); its page shows the outcome and leads on.
    assert response["Location"].startswith("/jobb/")
    job_page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in job_page
    assert "New items: 3" in job_page
    detail = re.search(r'id="job-result" href="([^"]+)"', job_page)
    assert detail is not None
    page = client.get(detail.group(1)).content.decode()
    assert 'id="import-created">3<' in page
    assert "not valid JSON" in page
    assert not list(settings.SAMVERKAN_JOB_FILES_DIR.rglob("*.jsonl")), "the upload is removed once imported"

    bad = io.BytesIO(b"hello")
    bad.name = "ads.txt"
    response = client.post("/underrattelser/import/", {"file": bad})
    assert response.status_code == 400
    assert "Choose a .jsonl, .csv or .parquet file." in response.content.decode()

    strict = io.BytesIO(b'{"id": "s1"}\n')
    strict.name = "ads.jsonl"
    response = client.post("/underrattelser/import/", {"file": strict, "strict": "on"})
    assert response.status_code == 302
    job_page = client.get(response["Location"]).content.decode()
    assert 'data-state="failed"' in job_page
    assert "nothing was imported" in job_page
    assert 'id="job-error"' in job_page
    assert not IntelItem.objects.filter(external_id="s1").exists()


def test_upload_is_for_intel_users_only(personas: dict[str, User], login: Login) -> None:
    upload = io.BytesIO(b'{"id": "z", "kind": "ad"}\n')
    upload.name = "ads.jsonl"
    assert login(personas["soc.handlaggare"]).post("/underrattelser/import/", {"file": upload}).status_code == 404
    assert not IntelItem.objects.exists()


def test_typed_timestamps_in_parquet_take_the_fast_lane(
    tmp_path: Path, police: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet's own timestamps (an instant, or a local time) are checked in SQL, and stored as from text."""
    import datetime as dt

    from samverkan.intel import importing, records

    import_file(write_jsonl(tmp_path / "j.jsonl", [dict(GOOD[0], id="from-json")]), agency=police)
    checked_in_python: list[int] = []
    validate = records.validate_record

    def spy(raw: dict[str, Any], line: int) -> Any:
        checked_in_python.append(line)
        return validate(raw, line)

    monkeypatch.setattr(importing, "validate_record", spy)
    fields = {k: [v, v] for k, v in GOOD[0].items() if k not in ("id", "observed_at")}
    instant = pa.array([dt.datetime(2024, 5, 1, 19, 15, tzinfo=dt.UTC)] * 2, pa.timestamp("us", tz="UTC"))
    local = pa.array([dt.datetime(2024, 5, 1, 21, 15)] * 2, pa.timestamp("ms"))  # Stockholm, summer time
    for name, observed in (("instant", instant), ("local", local)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"id": [f"{name}-1", f"{name}-2"], "observed_at": observed, **fields}), path)
        summary = import_file(path, agency=police)
        assert (summary.created, summary.skipped) == (2, 0)
    assert checked_in_python == []
    reference = IntelItem.objects.get(external_id="from-json")
    for item in IntelItem.objects.exclude(pk=reference.pk):
        assert (item.observed_at, item.content_hash) == (reference.observed_at, reference.content_hash), item.external_id


def test_a_later_import_links_to_the_entities_there_are(tmp_path: Path, police: Agency) -> None:
    import_file(write_jsonl(tmp_path / "a.jsonl", GOOD), agency=police)
    phone = Entity.objects.get(kind="phone", value="+46701740605")
    entities = Entity.objects.count()
    summary = import_file(
        write_jsonl(tmp_path / "b.jsonl", [{"id": "ad-9", "kind": "ad", "phones": ["0701740605", "08-123 456 78"]}]),
        agency=police,
    )
    assert (summary.created, summary.unchanged, summary.entities_linked) == (1, 0, 2)
    item = IntelItem.objects.get(external_id="ad-9")
    assert set(item.entity_links.values_list("entity_id", flat=True)) == {
        phone.pk, Entity.objects.get(kind="phone", value="+46812345678").pk,
    }
    assert Entity.objects.count() == entities + 1
    assert IntelItem.objects.order_by("-pk").first() == item  # ids taken as a block still come after the others


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_a_very_large_load_builds_the_indexes_again(
    tmp_path: Path, police: Agency, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Above the threshold the plain indexes are dropped and built again, inside the import's transaction."""
    from samverkan.intel import bulk

    settings.SAMVERKAN_IMPORT_REBUILD_INDEXES = True

    def indexes() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN (%s, %s, %s)",
                [IntelItem._meta.db_table, Entity._meta.db_table, ItemEntity._meta.db_table],
            )
            return set(cursor.fetchall())

    before = indexes()
    assert any("entity_id" in definition for _table, definition in before)
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 1)
    path = write_jsonl(tmp_path / "items.jsonl", GOOD)

    def broken(statements: list[str]) -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(bulk, "_build_indexes", broken)
        with pytest.raises(RuntimeError):
            import_file(path, agency=police)
    assert indexes() == before  # rolled back: nothing written, no index lost
    assert not IntelItem.objects.exists() and not Entity.objects.exists() and not ItemEntity.objects.exists()

    summary = import_file(path, agency=police)
    assert summary.created == 3 and summary.entities_linked > 0
    assert indexes() == before
    phone = Entity.objects.get(kind="phone", value="+46701740605")
    assert set(phone.item_links.values_list("item__external_id", flat=True)) == {"ad-1", "ad-2"}
