"""Spark (local mode) gives the same networks as DuckDB. Needs Java; skipped without it."""

from __future__ import annotations

import shutil

import pytest

from samverkan.demo.intel_items import generate
from samverkan.intel.linkage.api import link_items

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="Spark needs Java (apt-get install default-jre)"
)


def test_spark_gives_the_same_networks_as_duckdb() -> None:
    items = generate(1500, seed=11).items
    duckdb = link_items(items, backend="duckdb")
    spark = link_items(items, backend="spark", model=duckdb.model)
    assert spark.stats["backend"] == "spark"
    assert spark.stats["comparisons"] == duckdb.stats["comparisons"] > 0
    assert spark.stats["fuzzy_links_used"] == duckdb.stats["fuzzy_links_used"] > 0
    assert spark.assignments == duckdb.assignments
