"""The whole pipeline on a generated sample: quality, explanations, glue, ids."""

from __future__ import annotations

from collections import Counter, defaultdict

from samverkan.demo.intel_items import GeneratedItems
from samverkan.demo.linkage_quality import score
from samverkan.intel.linkage.api import LinkResult


def test_quality_on_a_generated_sample(sample: GeneratedItems, sample_result: LinkResult) -> None:
    scores = score(sample_result.assignments, sample.truth_by_id())
    # A small sample has hotels shared by only two networks, which are not glue by the
    # statistic (it needs three otherwise unconnected groups); see docs/benchmarks.md.
    assert scores.pairwise_precision >= 0.95
    assert scores.pairwise_f1 >= 0.93
    assert scores.bcubed_f1 >= 0.93


def test_every_network_is_explained_by_links(sample_result: LinkResult) -> None:
    sizes = Counter(sample_result.assignments.values())
    links: dict[str, int] = defaultdict(int)
    kinds: Counter[str] = Counter()
    for link in sample_result.links:
        assert (
            sample_result.assignments[link.a]
            == sample_result.assignments[link.b]
            == link.network_id
        )
        assert link.explanation["kind"] == link.kind
        links[link.network_id] += 1
        kinds[link.kind] += 1
        if link.kind == "identifier":
            assert link.explanation["shared"][0]["kind"] in {
                "phone",
                "email",
                "url",
                "handle",
                "image_hash",
                "address",
                "vehicle",
            }
        else:
            levels = {c["comparison"] for c in link.explanation["comparisons"]}
            assert levels == {"text", "names", "city", "time", "age", "venue"}
            assert link.match_probability is not None and link.match_probability >= 0.995
    # n items need at least n − 1 links, and a large network is not explained by all its pairs.
    for network, size in sizes.items():
        assert links[network] >= size - 1
        assert links[network] <= 4 * size
    assert kinds["identifier"] and kinds["similarity"]


def test_glue_is_reported_with_reasons(sample_result: LinkResult) -> None:
    phones = [g for g in sample_result.glue if g.kind == "phone"]
    assert phones and all(g.span >= 3 for g in phones)
    assert all("otherwise unconnected" in g.reason for g in sample_result.glue)


def test_stats_report_the_work(sample_result: LinkResult) -> None:
    stats = sample_result.stats
    assert stats["items"] == 3000
    assert stats["comparisons"] > 0 and stats["comparisons_per_second"] > 0
    assert stats["records"] < stats["items"]
    assert set(stats["stages"]) >= {"entities", "training", "prediction", "clustering"}
    assert {n.network_id for n in sample_result.networks} == set(sample_result.assignments.values())
