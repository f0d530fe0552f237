"""Every page of a PDF and every sheet of a spreadsheet says what the document is.

Internal (exact figures): "Intern – inte för publicering". Public: the rule that made it
publishable (suppression under the threshold, or the cell key method).
"""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from samverkan.reports.definitions import Filter
from samverkan.reports.exports import render
from samverkan.reports.report import Mode, build_report

pytestmark = pytest.mark.django_db

INTERNAL = "Intern – inte för publicering"


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("method", ["suppression", "cell_key"])
def test_every_page_and_sheet_is_marked(settings: pytest.FixtureRequest, method: str) -> None:
    settings.SAMVERKAN_PUBLIC_METHOD = method  # type: ignore[attr-defined]
    with translation.override("sv"):
        internal = build_report(Filter.year(2021))
        public = build_report(Filter.year(2021), mode=Mode.PUBLIC)
        internal_pages = pages(render(internal, "pdf", "sv"))
        public_pages = pages(render(public, "pdf", "sv"))
        internal_book = load_workbook(io.BytesIO(render(internal, "xlsx", "sv")))
        public_book = load_workbook(io.BytesIO(render(public, "xlsx", "sv")))
    assert len(internal_pages) > 1
    assert all(INTERNAL in text for text in internal_pages)
    assert not any(INTERNAL in text for text in public_pages)
    rule = "cellnyckel" if method == "cell_key" else "under 5"
    assert all("publicering" in text.lower() and rule in text for text in public_pages), public_pages[0][:300]
    assert len(internal_book.worksheets) > 1
    for sheet in internal_book.worksheets:
        assert sheet["A1"].value == INTERNAL
        assert sheet.oddHeader.center.text == INTERNAL
    for sheet in public_book.worksheets:
        assert rule in sheet["A1"].value and sheet["A1"].value != INTERNAL
