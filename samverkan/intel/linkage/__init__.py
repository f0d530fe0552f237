"""Record linkage of intelligence items into networks (Django-free).

Which ads, observations and tips belong to the same actor? Items that share
an identifier (phone number, e-mail, URL, handle, image hash, address,
vehicle) are joined directly, unless the identifier is *glue* (a hotel
switchboard, a site's customer-service number, a popular hotel's address…),
which is detected from the data and reported. Items are also joined by the
similarity of their texts, names, cities, times, ages and venues, with a
Splink model whose parameters are estimated from the data. DuckDB by default,
Apache Spark for national volumes. See ``engine`` for the pipeline,
``graph`` for the glue statistic, ``model`` for the comparisons,
``blocking`` for the candidate pairs and ``docs/benchmarks.md`` for the
measured quality and speed.

The package root imports nothing, so that a web process that only normalises
identifiers (``normalise``, ``frames``) never loads Splink or Spark: the
linkage run's API is ``samverkan.intel.linkage.api``, which imports the engine.
"""
