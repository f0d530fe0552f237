"""Where Splink scores the candidate pairs: DuckDB in-process, or Apache Spark.

Both backends run the same Splink model (a settings dictionary with trained
parameters) and the same blocking rules over the same records, so they return
the same pairs above the threshold; clustering happens afterwards in Python on
those pairs, so the networks are the same too (a test and the benchmark check
this). The model is trained once, on a sample, in DuckDB — training is cheap
and must not depend on where the scoring runs.

Spark runs in local mode here (``local[2]``, a modest driver heap, intermediate
tables written as Parquet to a temporary checkpoint directory); in production
``SAMVERKAN_SPARK_MASTER`` points at the cluster, or an existing session is
passed in.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from samverkan.intel.linkage.model import for_dialect

__all__ = ["BACKENDS", "Backend", "DuckDBBackend", "Prediction", "SparkBackend", "SparkSettings", "get_backend"]

BackendName = Literal["duckdb", "spark"]
BACKENDS: tuple[BackendName, ...] = ("duckdb", "spark")
SPARK_DRIVER_MEMORY = "3g"


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs and with what: local threads by default, or an existing cluster.

    ``master`` is any Spark master URL (``local[4]``, ``spark://host:7077``,
    ``yarn``, ``k8s://https://…``); ``conf`` adds or overrides Spark properties
    (executor memory and cores, dynamic allocation, …). Resources are Spark's own
    property names, so a cluster's administrator can set what the cluster needs.
    """

    master: str = "local[2]"
    driver_memory: str = SPARK_DRIVER_MEMORY
    conf: Mapping[str, str] = field(default_factory=dict)
    # Splink breaks long lineages by checkpointing; on a cluster this must be a folder every
    # node reaches (hdfs://…, s3a://…). Empty: a temporary local folder (local mode only).
    checkpoint_dir: str = ""

    @classmethod
    def parse(cls, master: str = "", driver_memory: str = "", conf: str = "", checkpoint_dir: str = "") -> SparkSettings:
        """From text as settings hold it; ``conf`` is ``key=value`` pairs separated by ``;``."""
        pairs: dict[str, str] = {}
        for pair in conf.split(";"):
            key, sep, value = pair.partition("=")
            if sep and key.strip():
                pairs[key.strip()] = value.strip()
        return cls(
            master=master.strip() or cls.master,
            driver_memory=driver_memory.strip() or SPARK_DRIVER_MEMORY,
            conf=pairs,
            checkpoint_dir=checkpoint_dir.strip(),
        )

    @classmethod
    def from_environment(cls) -> SparkSettings:
        """The same variables as Django's settings, for the engine used without Django."""
        return cls.parse(
            os.environ.get("SAMVERKAN_SPARK_MASTER", ""),
            os.environ.get("SAMVERKAN_SPARK_DRIVER_MEMORY", ""),
            os.environ.get("SAMVERKAN_SPARK_CONF", ""),
            os.environ.get("SAMVERKAN_SPARK_CHECKPOINT_DIR", ""),
        )

    @property
    def local(self) -> bool:
        return self.master.startswith("local")


@dataclass
class Prediction:
    pairs: (
        pa.Table
    )  # unique_id_l, unique_id_r, match_weight, match_probability, mw_* per comparison
    comparisons: int  # candidate pairs scored
    seconds: float  # scoring, including loading the records into the backend


class Backend(Protocol):
    name: str

    def predict(
        self, records: pa.Table, pairs: pa.Table, model: dict[str, Any], threshold: float
    ) -> Prediction: ...

    def close(self) -> None: ...


def _predict(
    db_api: DatabaseAPI[Any],
    frame: SplinkDataFrame,
    pairs: SplinkDataFrame,
    model: dict[str, Any],
    threshold: float,
) -> SplinkDataFrame:
    settings = for_dialect(model, db_api.sql_dialect.sql_dialect_str)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = False
    linker = Linker(frame, settings, log_level=logging.WARNING)
    linker.table_management.register_blocked_pairs_for_predict(pairs)
    return linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")


_COLUMNS = ("unique_id_l", "unique_id_r", "match_weight", "match_probability")


def _columns(table: pa.Table) -> pa.Table:
    wanted = [c for c in table.column_names if c in _COLUMNS or c.startswith("mw_")]
    return table.select(wanted)


class DuckDBBackend:
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit

    def predict(
        self, records: pa.Table, pairs: pa.Table, model: dict[str, Any], threshold: float
    ) -> Prediction:
        started = time.perf_counter()
        db_api = DuckDBAPI()
        con = db_api.duckdb_con
        con.sql("SET enable_progress_bar = false")
        if self.threads:
            con.sql(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            con.sql(f"SET memory_limit = '{self.memory_limit}'")
        frame = db_api.register(records, table_name="records")
        blocked = db_api.register(pairs, table_name="candidate_pairs")
        predictions = _predict(db_api, frame, blocked, model, threshold)
        scored = _columns(con.sql(f"SELECT * FROM {predictions.physical_name}").to_arrow_table())
        con.close()
        return Prediction(scored, pairs.num_rows, time.perf_counter() - started)

    def close(self) -> None:
        return None


class SparkBackend:
    name = "spark"

    def __init__(self, session: Any | None = None, settings: SparkSettings | None = None) -> None:
        self._session = session
        self._owned = session is None
        self.settings = settings or SparkSettings.from_environment()
        self._checkpoints: tempfile.TemporaryDirectory[str] | None = None

    @property
    def session(self) -> Any:
        if self._session is None:
            from pyspark.sql import SparkSession

            self._checkpoints = tempfile.TemporaryDirectory(prefix="samverkan-spark-")
            builder = (
                SparkSession.builder.master(self.settings.master)
                .appName("samverkan-linkage")
                .config("spark.driver.memory", self.settings.driver_memory)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config(
                    "spark.sql.warehouse.dir", os.path.join(self._checkpoints.name, "warehouse")
                )
                .config(
                    "spark.driver.extraJavaOptions", "-Dderby.system.home=" + self._checkpoints.name
                )
            )
            if self.settings.local:
                # One machine: few partitions, scratch space in a temporary folder. A cluster
                # keeps its own defaults for these.
                builder = (
                    builder.config("spark.sql.shuffle.partitions", "8")
                    .config("spark.default.parallelism", "4")
                    .config("spark.local.dir", self._checkpoints.name)
                )
            for key, value in self.settings.conf.items():
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
            self._session.sparkContext.setCheckpointDir(
                self.settings.checkpoint_dir or os.path.join(self._checkpoints.name, "checkpoints")
            )
        return self._session

    def predict(
        self, records: pa.Table, pairs: pa.Table, model: dict[str, Any], threshold: float
    ) -> Prediction:
        from splink import SparkAPI

        started = time.perf_counter()
        spark = self.session
        if not spark.sparkContext._jsc.sc().getCheckpointDir().isDefined():
            checkpoints = tempfile.mkdtemp(prefix="samverkan-spark-checkpoints-")
            spark.sparkContext.setCheckpointDir(checkpoints)
        db_api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark, break_lineage_method="parquet", register_udfs_automatically=False
        )
        frame = db_api.register(spark.createDataFrame(records), table_name="records")
        blocked = db_api.register(spark.createDataFrame(pairs), table_name="candidate_pairs")
        predictions = _predict(db_api, frame, blocked, model, threshold)
        scored = _columns(predictions.as_spark_dataframe().toArrow())
        return Prediction(scored, pairs.num_rows, time.perf_counter() - started)

    def close(self) -> None:
        if self._owned and self._session is not None:
            self._session.stop()
            self._session = None
        if self._checkpoints is not None:
            self._checkpoints.cleanup()
            self._checkpoints = None


def get_backend(name: str, spark: SparkSettings | None = None) -> Backend:
    if name == "duckdb":
        return DuckDBBackend()
    if name == "spark":
        return SparkBackend(settings=spark)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
