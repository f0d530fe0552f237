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


def test_spark_settings_come_from_text_and_reach_the_session_builder() -> None:
    """A cluster's master URL and resources are read from settings; local mode keeps its defaults."""
    from samverkan.intel.linkage.backends import SparkBackend, SparkSettings

    cluster = SparkSettings.parse(
        " spark://spark-master.example:7077 ", "6g",
        "spark.executor.memory=8g; spark.executor.cores=4;;broken", "hdfs://nn/samverkan/checkpoints",
    )
    assert cluster == SparkSettings(
        master="spark://spark-master.example:7077", driver_memory="6g",
        conf={"spark.executor.memory": "8g", "spark.executor.cores": "4"},
        checkpoint_dir="hdfs://nn/samverkan/checkpoints",
    )
    assert not cluster.local
    assert SparkSettings.parse() == SparkSettings() and SparkSettings().local
    assert SparkBackend(settings=cluster).settings is cluster
