"""The fuzzy part of the linkage: a Splink (Fellegi–Sunter) model of texts, names, cities and times.

Records are items described by comparison columns (see ``engine``):
``tb0 … tb7`` (MinHash bands of the text), ``names_all`` and ``names_rare``
(names, and the names that are not glue), ``city``, ``observed_date``,
``age`` and ``venue_kind``, plus ``component_id`` (the exact component).
The comparisons and their levels:

==========  ===========================================================
text        null · ≥5 of 8 bands equal · ≥3 · ≥1 · other
names       null · a rare name shared · any name shared · other
city        null · same · other
time        null · same day · ≤7 days · ≤30 days · ≤180 days · other
age         null · same · ±2 years · other
venue       null · same kind · other
==========  ===========================================================

No weight is set by hand. ``train`` estimates u (the level frequencies among
non-matching pairs) by random sampling, then m (among matching pairs) by
expectation maximisation in two sessions on samples of blocked pairs — pairs
sharing a text band (m of everything but text) and pairs from the same city
and day (m of text) — and the prior λ (the probability that two random
records match) from the second session, corrected for its blocking on city
and day by those levels' Bayes factors (as Splink's own
``populate_probability_two_random_records_match_from_trained_values`` does,
here for the one session whose blocking rule matches levels). Training pairs
never come from the same exact component: those are linked already.

The trained model is Splink's settings dictionary with m, u and λ, a plain
JSON document that any backend can use to predict. ``Scorer`` computes the
same levels and match weight in Python from that dictionary, for the
explanations and for linking one new item without a database round trip; a
test checks it against Splink's own predictions.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import SplinkException

from samverkan.intel.linkage.features import BANDS

__all__ = [
    "COMPARISONS",
    "LevelChoice",
    "Scorer",
    "blocking_rules",
    "settings_creator",
    "train",
]

logger = logging.getLogger(__name__)

# Equal bands (of 16) for the text levels: about Jaccard ≥ 0.75, ≥ 0.6, ≥ 0.4, any.
TEXT_LEVELS = (10, 6, 3, 1)
TIME_LEVELS = (7, 30, 180)
AGE_DIFFERENCE = 2
CROSS_COMPONENT = "l.component_id <> r.component_id"
U_MAX_PAIRS = 2e6
EM_MAX_PAIRS = 4e5
TRAINING_SEED = 42
PROBABILITY_FLOOR = 1e-5


def _band_columns(bands: int = BANDS) -> list[str]:
    return [f"tb{i}" for i in range(bands)]


def _equal_bands_sql(bands: int = BANDS) -> str:
    return " + ".join(f"(CASE WHEN tb{i}_l = tb{i}_r THEN 1 ELSE 0 END)" for i in range(bands))


def _comparisons(bands: int = BANDS) -> list[CustomComparison]:
    equal = _equal_bands_sql(bands)
    text = CustomComparison(
        output_column_name="text",
        comparison_description="MinHash bands of title and text",
        comparison_levels=[
            {
                "sql_condition": "tb0_l IS NULL OR tb0_r IS NULL",
                "label_for_charts": "no text",
                "is_null_level": True,
            },
            *(
                {
                    "sql_condition": f"({equal}) >= {n}",
                    "label_for_charts": f"≥{n} of {bands} text bands equal",
                }
                for n in TEXT_LEVELS
            ),
            cll.ElseLevel(),
        ],
    )
    names = CustomComparison(
        output_column_name="names",
        comparison_description="names in the item",
        comparison_levels=[
            cll.NullLevel("names_all"),
            cll.ArrayIntersectLevel("names_rare", 1).configure(
                label_for_charts="a rare name shared"
            ),
            cll.ArrayIntersectLevel("names_all", 1).configure(
                label_for_charts="a common name shared"
            ),
            cll.ElseLevel(),
        ],
    )
    city = CustomComparison(
        output_column_name="city",
        comparison_levels=[cll.NullLevel("city"), cll.ExactMatchLevel("city"), cll.ElseLevel()],
    )
    time = CustomComparison(
        output_column_name="time",
        comparison_levels=[
            cll.NullLevel("observed_date"),
            cll.ExactMatchLevel("observed_date").configure(label_for_charts="same day"),
            *(
                cll.AbsoluteDateDifferenceLevel(
                    "observed_date", input_is_string=False, threshold=days, metric="day"
                ).configure(label_for_charts=f"within {days} days")
                for days in TIME_LEVELS
            ),
            cll.ElseLevel(),
        ],
    )
    age = CustomComparison(
        output_column_name="age",
        comparison_levels=[
            cll.NullLevel("age"),
            cll.ExactMatchLevel("age"),
            cll.AbsoluteDifferenceLevel("age", AGE_DIFFERENCE).configure(
                label_for_charts=f"within {AGE_DIFFERENCE} years"
            ),
            cll.ElseLevel(),
        ],
    )
    venue = CustomComparison(
        output_column_name="venue",
        comparison_levels=[
            cll.NullLevel("venue_kind"),
            cll.ExactMatchLevel("venue_kind"),
            cll.ElseLevel(),
        ],
    )
    return [text, names, city, time, age, venue]


COMPARISONS = ("text", "names", "city", "time", "age", "venue")


def blocking_rules(bands: int = BANDS) -> list[str]:
    """Blocking as rules: an equal text band, across components.

    Prediction itself scores the pairs of ``blocking.candidate_pairs``, which
    bounds the pairs of large blocks; these rules describe the same candidates
    for Splink's own tools (and any use of the model without that step).
    """
    return [f"l.tb{i} = r.tb{i} AND {CROSS_COMPONENT}" for i in range(bands)]


def settings_creator(bands: int = BANDS) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=list[ComparisonCreator | dict[str, Any]](_comparisons(bands)),
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](
            CustomRule(rule) for rule in blocking_rules(bands)
        ),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def train(
    records: pa.Table,
    pairs: pa.Table,
    sample: pa.Table,
    *,
    seed: int = TRAINING_SEED,
    bands: int = BANDS,
) -> dict[str, Any]:
    """Estimate u, m and λ; Splink's settings dictionary with the parameters.

    ``sample`` is a random sample of items (with the record columns), for u
    and m; ``records`` and their candidate ``pairs`` are what will be
    compared, for λ.
    """
    db_api = DuckDBAPI()
    db_api.duckdb_con.sql("SET enable_progress_bar = false")
    frame = db_api.register(sample, table_name="training_sample")
    linker = Linker(frame, settings_creator(bands), log_level=logging.WARNING)
    training = linker.training
    u_pairs = min(U_MAX_PAIRS, sample.num_rows * (sample.num_rows - 1) / 2)
    training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    # Pairs inside an exact component share an identifier: matches, whatever their texts.
    # Pairs across components with a text band in common (blocks of a bounded size).
    # A small data set may have neither; the parameters it cannot estimate stay unset.
    try:
        training.estimate_m_from_label_column("component_id")
    except SplinkException as exc:
        logger.warning("m from exact components not estimated: %s", exc)
    model = linker.misc.save_model_to_json()
    try:
        training.estimate_parameters_using_expectation_maximisation(
            f"l.tb0 = r.tb0 AND l.bb0 IS NOT NULL AND r.bb0 IS NOT NULL AND {CROSS_COMPONENT}",
            estimate_without_term_frequencies=True,
            max_pairs=EM_MAX_PAIRS,
        )
        model = linker.misc.save_model_to_json()
    except SplinkException as exc:
        # A failed session leaves the linker's settings half changed: keep the model from before.
        logger.warning("EM not run: %s", exc)
    _floor_probabilities(model)
    model["probability_two_random_records_match"] = _estimate_prior(records, pairs, model, seed)
    return model


def _estimate_prior(records: pa.Table, pairs: pa.Table, model: dict[str, Any], seed: int) -> float:
    """λ by EM with m and u fixed, on a sample of the pairs that prediction will score.

    Those pairs share a text band, so within them the prior is
    λ′ = P(match | a band shared). The likelihood ratio of a pair within that
    population is its full ratio divided by the Bayes factor of the selection,
    B = P(a band shared | match) / P(a band shared | non-match) = (1 − m₀) / (1 − u₀)
    with m₀, u₀ the probabilities of the text level "no band equal". The EM
    finds λ′; λ follows by dividing λ′'s odds by B (Splink's reversal of a
    training blocking rule). The prior is thus fitted to the pairs it decides.
    """
    if pairs.num_rows == 0:
        return float(model["probability_two_random_records_match"])
    if pairs.num_rows > EM_MAX_PAIRS:
        rng = np.random.default_rng(seed)
        pairs = pairs.take(
            pa.array(np.sort(rng.choice(pairs.num_rows, size=int(EM_MAX_PAIRS), replace=False)))
        )
    db_api = DuckDBAPI()
    db_api.duckdb_con.sql("SET enable_progress_bar = false")
    con = db_api.duckdb_con
    frame = db_api.register(records, table_name="prior_records")
    blocked = db_api.register(pairs, table_name="prior_pairs")
    linker = Linker(
        frame, {**model, "retain_intermediate_calculation_columns": True}, log_level=logging.WARNING
    )
    linker.table_management.register_blocked_pairs_for_predict(blocked)
    scored = linker.inference.predict(warning_mode="never")
    present = {row[0] for row in con.sql(f"DESCRIBE {scored.physical_name}").fetchall()}
    total_weight = (
        " + ".join(f"mw_{name}" for name in COMPARISONS if f"mw_{name}" in present) or "0"
    )
    weights = con.sql(f"SELECT {total_weight} AS w FROM {scored.physical_name}").fetchnumpy()["w"]
    scorer = Scorer(model)
    none = len(scorer._levels["text"]) - 1
    m_none = _level_probability(model, "text", none, "m_probability")
    u_none = _level_probability(model, "text", none, "u_probability")
    selection = (1 - m_none) / (1 - u_none)
    ratio = np.exp2(np.clip(np.asarray(weights, dtype=np.float64), -1000, 1000)) / selection
    prior = 0.5
    for _ in range(1000):
        posterior = prior * ratio / (prior * ratio + 1 - prior)
        updated = float(np.clip(posterior.mean(), 1e-12, 1 - 1e-12))
        converged = abs(updated - prior) < 1e-9 * max(prior, 1e-9)
        prior = updated
        if converged:
            break
    odds = prior / (1 - prior) / selection
    return odds / (1 + odds)


def _level_probability(model: Mapping[str, Any], comparison: str, level: int, key: str) -> float:
    for entry in model["comparisons"]:
        if entry["output_column_name"] == comparison:
            return float(entry["comparison_levels"][level][key])
    raise KeyError(comparison)


def _floor_probabilities(model: dict[str, Any]) -> None:
    """A level never seen among matches (or non-matches) gets a tiny probability, not zero.

    Zero would make one comparison veto (or force) a link whatever the others
    say; the floor only keeps the weights finite.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                if value is None or value < PROBABILITY_FLOOR:
                    level[key] = PROBABILITY_FLOOR


def untrained(bands: int = BANDS) -> dict[str, Any]:
    """The model's settings without parameters: for data with nothing to compare."""
    return settings_creator(bands).create_settings_dict("duckdb")


def for_dialect(model: Mapping[str, Any], dialect: str, bands: int = BANDS) -> dict[str, Any]:
    """The trained model with its SQL written for ``dialect`` ("duckdb", "spark").

    Splink stores each level's SQL in the dialect it was trained in; the
    comparisons are rebuilt for the other dialect and the trained m, u and λ
    copied level by level (the levels are the same, in the same order).
    """
    rebuilt = settings_creator(bands).create_settings_dict(dialect)
    rebuilt["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    for target, source in zip(rebuilt["comparisons"], model["comparisons"], strict=True):
        for level, trained in zip(
            target["comparison_levels"], source["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability"):
                if trained.get(key) is not None:
                    level[key] = trained[key]
    return rebuilt


# --- Scoring in Python ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelChoice:
    comparison: str
    level: int  # position in the comparison's levels, 0 = null level
    label: str
    bayes_factor: float

    @property
    def match_weight(self) -> float:
        return math.log2(self.bayes_factor) if self.bayes_factor > 0 else -math.inf


@dataclass(frozen=True)
class Record:
    """A record's comparison columns, as in the table given to Splink."""

    bands: tuple[int, ...] | None
    names_all: frozenset[str] | None
    names_rare: frozenset[str] | None
    city: str | None
    observed_date: dt.date | None
    age: int | None
    venue_kind: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], bands: int = BANDS) -> Record:
        values = tuple(row.get(f"tb{i}") for i in range(bands))
        return cls(
            bands=None if values[0] is None else tuple(int(v) for v in values if v is not None),
            names_all=frozenset(row["names_all"]) if row.get("names_all") else None,
            names_rare=frozenset(row["names_rare"]) if row.get("names_rare") else None,
            city=row.get("city"),
            observed_date=row.get("observed_date"),
            age=row.get("age"),
            venue_kind=row.get("venue_kind"),
        )


def levels(left: Record, right: Record) -> tuple[int, ...]:
    """The level of each comparison (in ``COMPARISONS`` order), as Splink's SQL decides them."""
    if left.bands is None or right.bands is None:
        text = 0
    else:
        equal = sum(1 for a, b in zip(left.bands, right.bands, strict=True) if a == b)
        text = next((i + 1 for i, n in enumerate(TEXT_LEVELS) if equal >= n), len(TEXT_LEVELS) + 1)
    if left.names_all is None or right.names_all is None:
        names = 0
    elif left.names_rare and right.names_rare and left.names_rare & right.names_rare:
        names = 1
    elif left.names_all & right.names_all:
        names = 2
    else:
        names = 3
    city = 0 if left.city is None or right.city is None else (1 if left.city == right.city else 2)
    if left.observed_date is None or right.observed_date is None:
        time = 0
    else:
        days = abs((left.observed_date - right.observed_date).days)
        if days == 0:
            time = 1
        else:
            time = next(
                (i + 2 for i, n in enumerate(TIME_LEVELS) if days <= n), len(TIME_LEVELS) + 2
            )
    if left.age is None or right.age is None:
        age = 0
    else:
        gap = abs(left.age - right.age)
        age = 1 if gap == 0 else (2 if gap <= AGE_DIFFERENCE else 3)
    venue = (
        0
        if left.venue_kind is None or right.venue_kind is None
        else (1 if left.venue_kind == right.venue_kind else 2)
    )
    return (text, names, city, time, age, venue)


class Scorer:
    """Match weights from a trained model's m and u, without a database."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.model = model
        self.prior = float(model["probability_two_random_records_match"])
        self._levels: dict[str, list[tuple[str, float]]] = {}
        for comparison in model["comparisons"]:
            name = comparison["output_column_name"]
            entries = []
            for level in comparison["comparison_levels"]:
                m = level.get("m_probability")
                u = level.get("u_probability")
                factor = (
                    1.0 if level.get("is_null_level") or not m or not u else float(m) / float(u)
                )
                entries.append(
                    (str(level.get("label_for_charts") or level.get("sql_condition")), factor)
                )
            self._levels[name] = entries

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def bayes_factor(self, comparison: str, level: int) -> float:
        return self._levels[comparison][level][1]

    def level_from_weight(self, comparison: str, weight: float) -> int:
        """The level whose match weight Splink reported (``mw_<comparison>``) for a pair."""
        entries = self._levels[comparison]
        return min(
            range(len(entries)),
            key=lambda i: (
                abs(math.log2(entries[i][1]) - weight) if entries[i][1] > 0 else math.inf,
                i != 0,
            ),
        )

    def explain(self, chosen: Sequence[int]) -> list[LevelChoice]:
        return [
            LevelChoice(name, level, self._levels[name][level][0], self._levels[name][level][1])
            for name, level in zip(COMPARISONS, chosen, strict=True)
        ]

    def match_weight(self, chosen: Sequence[int]) -> float:
        return self.prior_weight + sum(
            math.log2(self._levels[name][level][1])
            for name, level in zip(COMPARISONS, chosen, strict=True)
        )

    def score(self, left: Record, right: Record) -> tuple[float, tuple[int, ...]]:
        chosen = levels(left, right)
        return self.match_weight(chosen), chosen


def probability(match_weight: float) -> float:
    if match_weight > 60:
        return 1.0
    odds = float(2.0**match_weight)
    return odds / (1 + odds)
