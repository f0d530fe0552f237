"""Linking with the linkage package: networks stored, ids stable, events, indicators, file mode."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from samverkan.accounts.models import Agency
from samverkan.intel import linking
from samverkan.intel.importing import import_file
from samverkan.intel.models import (
    IndicatorKind,
    IndicatorStatus,
    IntelItem,
    LinkState,
    Network,
    NetworkEvent,
    NetworkEventKind,
    NetworkLink,
    NetworkMembership,
    NetworkStatus,
)
from samverkan.intel.tests.conftest import make_item, store

pytestmark = pytest.mark.django_db


def generated_file(path: Path, n: int = 600, seed: int = 5) -> Path:
    from samverkan.demo.intel_items import generate

    rows = generate(n, seed=seed).items.to_pylist()
    with path.open("w", encoding="utf-8") as stream:
        for row in rows:
            row["observed_at"] = row["observed_at"].isoformat() if row["observed_at"] else None
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def imported(tmp_path: Path, police: Agency) -> Path:
    path = generated_file(tmp_path / "generated.jsonl")
    summary = import_file(path, agency=police)
    assert summary.skipped == 0, summary.errors[:3]
    return path


def test_link_all_stores_networks_and_keeps_ids(imported: Path, police: Agency) -> None:
    run = linking.link_all(police)
    assert run.network_count > 5
    networks = Network.objects.filter(agency=police, status=NetworkStatus.ACTIVE)
    assert networks.count() == run.network_count
    assert all(n.item_count >= linking.MIN_NETWORK_SIZE for n in networks)
    assert NetworkLink.objects.filter(network__agency=police).exists()
    assert LinkState.objects.filter(agency=police).exists()
    membership = dict(NetworkMembership.objects.values_list("item_id", "network__key"))
    created = NetworkEvent.objects.filter(kind=NetworkEventKind.CREATED).count()
    assert created == run.network_count

    # A second run over the same items keeps every network id and records nothing new.
    linking.link_all(police)
    assert dict(NetworkMembership.objects.values_list("item_id", "network__key")) == membership
    assert NetworkEvent.objects.count() == created


def test_links_explain_why(imported: Path, police: Agency) -> None:
    linking.link_all(police)
    link = NetworkLink.objects.filter(explanation__kind="identifier").first()
    assert link is not None
    assert link.shared_entities and link.match_weight is not None and link.match_weight > 0
    assert NetworkMembership.objects.get(item=link.item_a).network_id == link.network_id


def test_merge_of_two_networks_keeps_the_older_id(police: Agency) -> None:
    a = make_item(police, "m-1")
    b = make_item(police, "m-2")
    c = make_item(police, "m-3")
    d = make_item(police, "m-4")
    store(police, linking.LinkResult({a.pk: "N1", b.pk: "N1", c.pk: "N2", d.pk: "N2"}))
    store(police, linking.LinkResult({a.pk: "N1", b.pk: "N1", c.pk: "N1", d.pk: "N1"}))
    old = Network.objects.get(key="N2")
    assert old.status == NetworkStatus.MERGED and old.merged_into is not None and old.merged_into.key == "N1"
    merged = NetworkEvent.objects.get(network__key="N1", kind=NetworkEventKind.MERGED)
    assert merged.detail["from"] == ["N2"]
    assert Network.objects.get(key="N1").item_count == 4


def test_split(police: Agency) -> None:
    items = [make_item(police, f"s-{i}") for i in range(4)]
    store(police, linking.LinkResult({i.pk: "N1" for i in items}))
    store(police, linking.LinkResult({items[0].pk: "N1", items[1].pk: "N1", items[2].pk: "N7", items[3].pk: "N7"}))
    split = NetworkEvent.objects.get(network__key="N7")
    assert split.kind == NetworkEventKind.SPLIT and split.detail["from"] == ["N1"]
    assert NetworkEvent.objects.filter(network__key="N1", kind=NetworkEventKind.SHRANK).exists()


def test_indicators_with_evidence(police: Agency) -> None:
    young = make_item(police, "i-1", age=16, text="Nyss fyllt 18 och ny i stan")
    other = make_item(police, "i-2", phones=["+46701234567"], names=["Anna"], city="Göteborg")
    third = make_item(police, "i-3", phones=["+46701234567"], names=["Bella"], city="Malmö")
    fourth = make_item(police, "i-4", phones=["+46701234567"], names=["Cissi"], city="Stockholm")
    store(police, linking.LinkResult({i.pk: "N9" for i in (young, other, third, fourth)}))
    network = Network.objects.get(key="N9")
    indicators = {i.kind: i for i in network.indicators.all()}
    minor = indicators[IndicatorKind.POSSIBLE_MINOR]
    assert minor.status == IndicatorStatus.AWAITING_REVIEW
    assert "stated age 16" in minor.evidence["items"][0]["why"]
    assert "just turned 18" in minor.evidence["items"][0]["why"]
    control = indicators[IndicatorKind.THIRD_PARTY_CONTROL]
    assert control.status == IndicatorStatus.OPEN
    assert control.evidence["phones"][0]["name_count"] == 3
    assert IndicatorKind.CITY_ROTATION in indicators
    # A reviewed indicator keeps its review when the network is linked again.
    minor.status = IndicatorStatus.DISMISSED
    minor.save()
    store(police, linking.LinkResult({i.pk: "N9" for i in (young, other, third, fourth)}))
    minor.refresh_from_db()
    assert minor.status == IndicatorStatus.DISMISSED


def test_ranking(police: Agency) -> None:
    small = [make_item(police, f"r-{i}") for i in range(2)]
    big = [make_item(police, f"R-{i}", city=["Lund", "Umeå", "Luleå"][i % 3], address=f"Gata {i}") for i in range(6)]
    store(police, linking.LinkResult({**{i.pk: "N1" for i in small}, **{i.pk: "N2" for i in big}}))
    ranked = list(Network.objects.ranked().values_list("key", flat=True))
    assert ranked == ["N2", "N1"]
    n2 = Network.objects.get(key="N2")
    assert (n2.item_count, n2.city_count, n2.venue_count, n2.recent_count) == (6, 3, 6, 6)


def test_file_mode(tmp_path: Path) -> None:
    source = generated_file(tmp_path / "file.jsonl")
    output = tmp_path / "clusters.csv"
    out = io.StringIO()
    call_command("link_intel", "--input", str(source), "--output", str(output), stdout=out, verbosity=0)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 600
    assert {"id", "network_id"} <= set(rows[0])
    assert not IntelItem.objects.exists()
    assert "Wrote 600 items" in out.getvalue()


def test_command_on_the_database(imported: Path, police: Agency) -> None:
    out = io.StringIO()
    call_command("link_intel", "--agency", police.code, stdout=out, verbosity=0)
    assert "networks" in out.getvalue()
    assert Network.objects.filter(agency=police).exists()


def test_a_new_item_is_linked_at_once(
    imported: Path, police: Agency, personas: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.intel import actions

    # The linker unpacks its index under the temporary directory: this test's own.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(linking, "_INCREMENTAL", {})

    linking.link_all(police)
    member = (
        NetworkMembership.objects.filter(network__agency=police, item__entity_links__entity__kind="phone")
        .exclude(item__entity_links__entity__glue__isnull=False)
        .select_related("item", "network")
        .first()
    )
    assert member is not None
    phone = member.item.entity_links.filter(entity__kind="phone").values_list("entity__value", flat=True).first()
    item = actions.do_create_item(
        acting_user=personas["polis.analytiker"], kind="ad", observed_at="2024-06-01T12:00:00+00:00",
        title="Ny annons", phones=[phone],
    )
    linking.link_item(item, acting_user=personas["polis.analytiker"])  # loads the index once per process
    second = actions.do_create_item(
        acting_user=personas["polis.analytiker"], kind="ad", observed_at="2024-06-02T12:00:00+00:00",
        title="Ännu en", phones=[phone],
    )
    # How fast it is, is measured by `make bench-intel`, not here.
    network = linking.link_item(second, acting_user=personas["polis.analytiker"])
    assert network is not None and network.key == member.network.key
    link = NetworkLink.objects.get(item_b=second)  # a pair is stored in id order
    assert link.shared_entities == [{"kind": "phone", "value": phone}]
    assert NetworkEvent.objects.filter(network=network, kind=NetworkEventKind.GREW).exists()


def test_a_new_item_before_any_run_is_kept(police: Agency, personas: dict[str, Any]) -> None:
    from samverkan.intel import actions

    item = actions.do_create_item(acting_user=personas["polis.analytiker"], kind="ad", observed_at="2024-06-01T12:00:00")
    with pytest.raises(linking.LinkageUnavailable):
        linking.link_item(item)
    assert IntelItem.objects.filter(pk=item.pk).exists()


def test_the_spark_backend_is_where_settings_say(settings: Any) -> None:
    """A national deployment points linkage at its Spark cluster by settings alone."""
    settings.SAMVERKAN_SPARK_MASTER = "spark://spark-master.example:7077"
    settings.SAMVERKAN_SPARK_CONF = "spark.executor.memory=8g"
    backend = linking._backend("spark")
    try:
        assert backend.settings.master == "spark://spark-master.example:7077"
        assert dict(backend.settings.conf) == {"spark.executor.memory": "8g"}
    finally:
        backend.close()  # no session was started: nothing to stop
    assert linking._backend("duckdb") == "duckdb"
