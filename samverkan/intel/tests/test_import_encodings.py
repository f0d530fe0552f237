"""The import reads UTF-8 (with or without a byte-order mark) and UTF-16, refuses other text by line, skips NULs.

The same rules hold for the command and the page; on PostgreSQL a record with
a NUL character (which its text type cannot hold) is one skipped record, not a
failed file.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from samverkan.accounts.models import Agency, User
from samverkan.conftest import login_verified
from samverkan.intel.importing import ImportRefused, import_file
from samverkan.intel.models import ImportBatch, IntelItem

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]

RECORDS = [
    {"id": "e-1", "kind": "ad", "title": "Ny i stan", "city": "Malmö"},
    {"id": "e-2", "kind": "ad", "title": "Söt och diskret", "city": "Göteborg"},
    {"id": "e-3", "kind": "observation", "text": "Bil ÅÄÖ 123", "city": "Växjö"},
]
CSV = "id,kind,title,city\ne-1,ad,Ny i stan,Malmö\ne-2,ad,Söt och diskret,Göteborg\ne-3,observation,,Växjö\n"


def jsonl() -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)


def cities() -> set[str]:
    return set(IntelItem.objects.values_list("city", flat=True))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom.jsonl", codecs.BOM_UTF8 + jsonl().encode()),
        ("bom.csv", codecs.BOM_UTF8 + CSV.encode()),
        ("utf16.jsonl", jsonl().encode("utf-16")),  # with the mark, in the machine's order
        ("utf16.csv", CSV.encode("utf-16")),
        ("utf16le.csv", CSV.encode("utf-16-le")),  # no mark
        ("utf16be.jsonl", jsonl().encode("utf-16-be")),
        ("utf8.csv", CSV.encode()),
    ],
)
def test_utf8_with_or_without_a_mark_and_utf16_are_read_whole(
    tmp_path: Path, police: Agency, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    summary = import_file(path, agency=police)
    assert (summary.created, summary.skipped) == (3, 0), summary.errors  # the first record too
    assert cities() == {"Malmö", "Göteborg", "Växjö"}


@pytest.mark.parametrize("name", ["latin1.csv", "latin1.jsonl"])
def test_another_encoding_is_refused_naming_the_line(tmp_path: Path, police: Agency, name: str) -> None:
    path = tmp_path / name
    text = CSV if name.endswith(".csv") else jsonl()
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ImportRefused) as refused:
        import_file(path, agency=police)
    line = 2 if name.endswith(".csv") else 1
    assert f"line {line} is not" in str(refused.value)
    assert "UTF-8" in str(refused.value)
    assert not IntelItem.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_bad_byte_further_down_names_its_line(tmp_path: Path, police: Agency) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(jsonl().encode() * 200 + "Malmö\n".encode("latin-1"))
    with pytest.raises(ImportRefused, match="line 601 is not"):
        import_file(path, agency=police)


def test_a_declared_encoding_is_decoded(tmp_path: Path, police: Agency) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(CSV.encode("latin-1"))
    summary = import_file(path, agency=police, encoding="latin-1")
    assert summary.created == 3
    assert cities() == {"Malmö", "Göteborg", "Växjö"}
    with pytest.raises(ImportRefused, match="Unknown text encoding"):
        import_file(path, agency=police, encoding="klingon")


def test_the_command_refuses_with_the_line_and_decodes_a_declared_encoding(tmp_path: Path, police: Agency) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(CSV.encode("cp1252"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="line 2 is not"):
        call_command("import_intel", str(path), "--agency", police.code, stdout=out, stderr=err, verbosity=0)
    assert not IntelItem.objects.exists()
    call_command(
        "import_intel", str(path), "--agency", police.code, "--encoding", "cp1252", stdout=out, stderr=err, verbosity=0
    )
    assert cities() == {"Malmö", "Göteborg", "Växjö"}


def test_the_page_refuses_in_swedish_and_decodes_a_chosen_encoding(personas: dict[str, User], police: Agency) -> None:
    http = login_verified(Client(), personas["polis.analytiker"])  # Swedish, the default language
    upload = io.BytesIO(CSV.encode("latin-1"))
    upload.name = "annonser.csv"
    response = http.post("/underrattelser/import/", {"file": upload})
    # The import runs as a job (at once in the tests); its page says why it failed, in Swedish.
    assert response.status_code == 302
    page = http.get(response["Location"]).content.decode()
    assert 'data-state="failed"' in page
    assert "rad 2" in page and "UTF-8" in page
    assert not IntelItem.objects.exists()

    upload = io.BytesIO(CSV.encode("latin-1"))
    upload.name = "annonser.csv"
    response = http.post("/underrattelser/import/", {"file": upload, "encoding": "iso-8859-1"})
    assert response.status_code == 302
    assert cities() == {"Malmö", "Göteborg", "Växjö"}


def test_records_with_a_nul_are_skipped_and_reported(tmp_path: Path, police: Agency) -> None:
    # Enough records for the bulk lane (COPY on PostgreSQL), one NUL in a text, a list and an id.
    records: list[dict[str, Any]] = [{"id": f"n-{i}", "kind": "ad", "title": f"Annons {i}"} for i in range(50)]
    records[3]["text"] = "före\u0000efter"
    records[7]["phones"] = ["070-000 00 00", "07\u00000"]
    records[9]["id"] = "n-\u00009"
    path = tmp_path / "nul.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    summary = import_file(path, agency=police)
    assert (summary.created, summary.skipped) == (47, 3)
    reasons = {e.line: e.reason for e in summary.errors}
    assert set(reasons) == {4, 8, 10}
    assert all("NUL" in r for r in reasons.values()), reasons

    csv_path = tmp_path / "nul.csv"
    csv_path.write_bytes(b"id,kind,title\nc-1,ad,ok\nc-2,ad,f\x00e\nc-3,ad,ok\n")
    summary = import_file(csv_path, agency=police)
    assert (summary.created, summary.skipped) == (2, 1)
    assert summary.errors[0].line == 3 and "NUL" in summary.errors[0].reason
    assert not IntelItem.objects.filter(external_id="c-2").exists()
