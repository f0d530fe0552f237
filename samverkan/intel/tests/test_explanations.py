"""Link explanations in the user's language (intel.explanations), the stored labels unchanged."""

from __future__ import annotations

from django.utils import translation

from samverkan.intel.explanations import comparisons, level_label


def test_splinks_labels_become_swedish_sentences() -> None:
    stored = {"comparisons": [
        {"comparison": "text", "level": "≥6 of 16 text bands equal", "match_weight": 3.1},
        {"comparison": "city", "level": "Exact match on city", "match_weight": 1.0},
        {"comparison": "time", "level": "within 30 days", "match_weight": 0.5},
        {"comparison": "age", "level": "within 2 years", "match_weight": 0.2},
        {"comparison": "names", "level": "All other comparisons", "match_weight": -1.0},
        {"comparison": "age", "level": "age is NULL", "match_weight": 0.0},
    ]}
    with translation.override("sv"):
        rows = comparisons(stored)
    assert [r["result"] for r in rows] == [
        "Minst 6 av 16 delar av texten är lika", "Samma ort", "Inom 30 dagar", "Åldrar inom 2 år", "Olika",
        "Saknas i en av posterna",
    ]
    assert rows[0]["name"] == "Text" and rows[0]["level"] == "≥6 of 16 text bands equal"
    with translation.override("en"):
        assert comparisons(stored)[0]["result"] == "At least 6 of 16 parts of the text are the same"


def test_an_unknown_label_is_shown_as_stored() -> None:
    assert level_label("colour", "blue on both") == "blue on both"
    assert comparisons(None) == [] and comparisons({"comparisons": "x"}) == []
