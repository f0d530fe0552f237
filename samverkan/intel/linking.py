"""Linking items into networks with the linkage package, and storing what it found.

The linkage package (``samverkan.intel.linkage``) does the record linkage
(Splink on DuckDB or Spark), the clustering with stable network ids, the
explanations and the incremental linking of one new item. This module hands
it the agency's items and stores its answer: networks, memberships, the
explaining links, glue identifiers, and the events (found, grew, merged,
split) derived from the memberships before and after, so that the timeline
always agrees with what is stored. Indicators and ranking figures are
recomputed for the networks that changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import Agency, User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel import indicators
from samverkan.intel.models import (
    Entity,
    GlueIdentifier,
    IntelItem,
    ItemEntity,
    LinkRun,
    LinkState,
    Network,
    NetworkEvent,
    NetworkEventKind,
    NetworkLink,
    NetworkMembership,
    NetworkStatus,
)
from samverkan.lib import places

logger = logging.getLogger(__name__)

# A lone item is not a network: the package gives it an id, but it is not stored.
MIN_NETWORK_SIZE = 2
BACKENDS = ("duckdb", "spark")


class LinkageUnavailable(Exception):
    """The linkage package could not link (missing, or it failed); nothing was stored."""


@dataclass(frozen=True)
class PairLink:
    a: int  # item pk
    b: int
    match_weight: float | None  # None: a shared identifier linked the new item (incremental)
    match_probability: float | None
    explanation: dict[str, Any]


@dataclass
class LinkResult:
    """What the linkage answered, in this app's terms (item primary keys, network keys)."""

    assignments: dict[int, str]
    links: list[PairLink] = field(default_factory=list)
    glue: list[tuple[str, str, str, int]] = field(default_factory=list)  # kind, value, reason, items


# --- Talking to the package ----------------------------------------------------------------------


def item_records(items: Iterable[IntelItem]) -> Iterator[dict[str, Any]]:
    """Items as the package's input records: the import format, with the pk as ``id``.

    Empty text is handed over as null, as a field missing from an imported record.
    """
    for item in items:
        yield {
            "id": str(item.pk),
            "kind": item.kind,
            "observed_at": item.observed_at,
            "source": item.source or None,
            "title": item.title or None,
            "text": item.text or None,
            "phones": item.phones,
            "emails": item.emails,
            "urls": item.urls,
            "handles": item.handles,
            "names": item.names,
            "image_hashes": item.image_hashes,
            "age": item.age,
            "city": item.city or None,
            "address": item.address or None,
            "venue_kind": item.venue_kind or None,
        }


def _engine() -> Any:
    """The linkage package's engine (imported late: it loads DuckDB, Splink and NumPy)."""
    try:
        from samverkan.intel.linkage import engine
    except ImportError as exc:
        raise LinkageUnavailable(_("the linkage package is not installed")) from exc
    return engine


def _backend(name: str) -> Any:
    """The engine's backend: DuckDB by name; Spark where settings say it runs (local or a cluster)."""
    if name != "spark":
        return name
    from samverkan.intel.linkage.backends import SparkBackend, SparkSettings

    return SparkBackend(
        settings=SparkSettings.parse(
            settings.SAMVERKAN_SPARK_MASTER,
            settings.SAMVERKAN_SPARK_DRIVER_MEMORY,
            settings.SAMVERKAN_SPARK_CONF,
            settings.SAMVERKAN_SPARK_CHECKPOINT_DIR,
        )
    )


def _link_items(engine: Any, source: Any, backend: str, **kwargs: Any) -> Any:
    chosen = _backend(backend)
    try:
        return engine.link_items(source, backend=chosen, **kwargs)
    finally:
        if not isinstance(chosen, str):
            chosen.close()


def _previous_keys(agency: Agency) -> dict[int, str]:
    return dict(
        NetworkMembership.objects.filter(network__agency=agency).values_list("item_id", "network__key")
    )


def _call_batch(agency: Agency, backend: str, progress: Callable[[str], None] | None) -> tuple[LinkResult, Any]:
    engine = _engine()
    items = IntelItem.objects.filter(agency=agency).order_by("pk")
    records = list(item_records(items.iterator(chunk_size=5000)))
    if progress is not None:
        progress(f"{len(records)} items read")
    previous = {str(k): v for k, v in _previous_keys(agency).items()}
    try:
        answer = _link_items(engine, records, backend, previous=previous)
    except Exception as exc:  # the package's own errors: report, store nothing
        logger.exception("linkage failed")
        raise LinkageUnavailable(str(exc)) from exc
    return _convert(answer), answer


# The package's incremental linker, per process: (agency, index saved at) → linker.
_INCREMENTAL: dict[tuple[int, float], Any] = {}


def _incremental(state: LinkState) -> Any:
    """The linker for the agency's last full run, loaded once per process.

    Its directory (the index unpacked from the database, and the package's log
    of items linked since) is shared by the processes of one host, so that an
    item linked by one can be linked to by the next.
    """
    key = (state.agency_id, state.saved_at.timestamp())
    linker = _INCREMENTAL.get(key)
    if linker is not None:
        return linker
    from samverkan.intel.linkage.incremental import Incremental

    parent = Path(settings.SAMVERKAN_LINKAGE_CACHE_DIR or Path(tempfile.gettempdir()) / "samverkan-linkage")
    parent.mkdir(mode=0o700, exist_ok=True)
    parent.chmod(0o700)  # identifiers of intelligence: for this service's user only
    # One database's agencies apart from another's (a test database beside the service's).
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    prefix = f"db-{database}-agency-{key[0]}-"
    directory = parent / f"{prefix}{int(key[1] * 1000)}"
    if not (directory / "meta.json").exists():
        # Unpacked beside it and renamed: another process may be doing the same.
        staging = Path(tempfile.mkdtemp(dir=parent))
        state.unpack(staging)
        try:
            staging.rename(directory)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        # The agency's earlier runs are superseded: their directories go (a process still
        # holding one loads the new run at its next item, as the saved time has changed).
        for superseded in parent.glob(f"{prefix}*"):
            if superseded != directory:
                shutil.rmtree(superseded, ignore_errors=True)
    linker = Incremental.load(directory)
    for old in [k for k in _INCREMENTAL if k[0] == key[0]]:
        del _INCREMENTAL[old]
    _INCREMENTAL[key] = linker
    return linker


def _call_incremental(item: IntelItem) -> LinkResult:
    state = LinkState.objects.filter(agency=item.agency).first()
    if state is None:
        raise LinkageUnavailable(_("the items have not been linked yet; run the linkage first"))
    try:
        linker = _incremental(state)
        answer = linker.link(next(item_records([item])))
    except Exception as exc:  # the package's own errors: the item stays, unlinked
        logger.exception("incremental linkage failed")
        raise LinkageUnavailable(str(exc)) from exc
    if answer.network_id is None:
        return LinkResult({})
    assignments = {item.pk: str(answer.network_id)}
    links = []
    if answer.linked_item is not None:
        other = int(answer.linked_item)
        if not NetworkMembership.objects.filter(item_id=other).exists():
            assignments[other] = str(answer.network_id)  # it was alone until now
        links.append(PairLink(
            item.pk, other, answer.match_weight, answer.match_probability, dict(answer.explanation),
        ))
    return LinkResult(assignments, links)


def _convert(answer: Any) -> LinkResult:
    """The package's answer as a ``LinkResult``: item pks, networks of at least two items."""
    assignments = {int(k): str(v) for k, v in dict(answer.assignments).items()}
    sizes = Counter(assignments.values())
    assignments = {item: key for item, key in assignments.items() if sizes[key] >= MIN_NETWORK_SIZE}
    links = [
        PairLink(int(p.a), int(p.b), float(p.match_weight), p.match_probability, dict(p.explanation))
        for p in answer.links
        if int(p.a) in assignments
    ]
    glue = [(str(g.kind), str(g.value), str(g.reason), int(g.items)) for g in getattr(answer, "glue", [])]
    return LinkResult(assignments, links, glue)


# --- Storing -------------------------------------------------------------------------------------


def _events(old: dict[int, str], new: dict[int, str], changed_items: set[int]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, network key, detail) derived from who belonged where before and after."""
    old_members: dict[str, set[int]] = defaultdict(set)
    new_members: dict[str, set[int]] = defaultdict(set)
    for item, key in old.items():
        old_members[key].add(item)
    for item, key in new.items():
        new_members[key].add(item)
    events: list[tuple[str, str, dict[str, Any]]] = []
    for key, members in new_members.items():
        sources = Counter(old[i] for i in members if i in old)
        previous = old_members.get(key, set())
        came_from = sorted(k for k in sources if k != key)
        if not previous:
            if came_from:
                events.append((NetworkEventKind.SPLIT, key, {"from": came_from, "items": len(members)}))
            else:
                events.append((NetworkEventKind.CREATED, key, {"items": len(members)}))
            continue
        if came_from:
            events.append((NetworkEventKind.MERGED, key, {"from": came_from, "items": len(members)}))
        elif len(members) > len(previous):
            events.append((NetworkEventKind.GREW, key, {"items": len(members), "added": len(members - previous)}))
        elif len(members) < len(previous):
            events.append((NetworkEventKind.SHRANK, key, {"items": len(members), "removed": len(previous - members)}))
    for key, members in old_members.items():
        if key in new_members:
            continue
        targets = Counter(new[i] for i in members if i in new)
        if targets:
            into = targets.most_common(1)[0][0]
            events.append((NetworkEventKind.MERGED, key, {"into": into, "items": len(members)}))
        else:
            events.append((NetworkEventKind.DISSOLVED, key, {"items": len(members)}))
    return events


def _store(agency: Agency, result: LinkResult, run: LinkRun, *, full: bool) -> set[int]:
    """Store the result; returns the pks of the networks that changed."""
    now = timezone.now()
    old = _previous_keys(agency) if full else dict(
        NetworkMembership.objects.filter(item_id__in=list(result.assignments)).values_list("item_id", "network__key")
    )
    if not full:
        # Incremental: the networks the new item touches, with all their members.
        keys = set(result.assignments.values()) | set(old.values())
        for item_id, key in NetworkMembership.objects.filter(network__agency=agency, network__key__in=keys).values_list(
            "item_id", "network__key"
        ):
            old.setdefault(item_id, key)
        new = dict(old)
        new.update(result.assignments)
    else:
        new = dict(result.assignments)
    networks = {n.key: n for n in Network.objects.filter(agency=agency, key__in=set(new.values()) | set(old.values()))}
    for key in set(new.values()) - set(networks):
        networks[key] = Network.objects.create(agency=agency, key=key, created_at=now, updated_at=now)
    events = _events(old, new, set(result.assignments))
    changed_keys = {key for _kind, key, _d in events}

    moved = [item for item, key in new.items() if old.get(item) != key]
    gone = [item for item in old if item not in new]
    NetworkMembership.objects.filter(item_id__in=moved + gone).delete()
    NetworkMembership.objects.bulk_create(
        [NetworkMembership(network=networks[new[item]], item_id=item, added_at=now) for item in moved], batch_size=5000
    )

    link_networks = {networks[key].pk for key in changed_keys if key in new.values()} if not full else {
        n.pk for n in networks.values()
    }
    if full:
        NetworkLink.objects.filter(network__agency=agency).delete()
    else:
        NetworkLink.objects.filter(network_id__in=link_networks, item_a_id__in=list(result.assignments)).delete()
        NetworkLink.objects.filter(network_id__in=link_networks, item_b_id__in=list(result.assignments)).delete()
    pair_rows = []
    for pair in result.links:
        key_a, key_b = new.get(pair.a), new.get(pair.b)
        if key_a is None or key_a != key_b:
            continue
        a, b = sorted((pair.a, pair.b))
        pair_rows.append(NetworkLink(
            network=networks[key_a], item_a_id=a, item_b_id=b, match_weight=pair.match_weight,
            match_probability=pair.match_probability, explanation=pair.explanation,
        ))
    NetworkLink.objects.bulk_create(pair_rows, batch_size=5000, ignore_conflicts=True)

    for kind, key, detail in events:
        NetworkEvent.objects.create(network=networks[key], run=run, kind=kind, at=now, detail=detail)
        network = networks[key]
        if kind == NetworkEventKind.MERGED and "into" in detail:
            network.status = NetworkStatus.MERGED
            network.merged_into = networks[detail["into"]]
            network.save(update_fields=["status", "merged_into"])
        elif kind == NetworkEventKind.DISSOLVED:
            network.status = NetworkStatus.DISSOLVED
            network.save(update_fields=["status"])
        elif network.status != NetworkStatus.ACTIVE:
            network.status, network.merged_into = NetworkStatus.ACTIVE, None
            network.save(update_fields=["status", "merged_into"])

    for kind, value, reason, count in result.glue:
        entity = Entity.objects.filter(agency=agency, kind=kind, value=value).first()
        if entity is not None:
            GlueIdentifier.objects.update_or_create(entity=entity, defaults={"reason": reason[:300], "item_count": count})

    changed = {networks[k].pk for k in changed_keys}
    if full:
        changed |= {n.pk for n in networks.values() if n.key in set(new.values())}
    return changed


def refresh_figures(network_ids: Iterable[int], *, now: dt.datetime | None = None) -> None:
    """Size, growth, cities, venues, first and last seen, and the rank score."""
    now = now or timezone.now()
    recent_from = now - Network.GROWTH_WINDOW
    previous_from = recent_from - Network.GROWTH_WINDOW
    ids = list(network_ids)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        figures = {
            row["membership__network"]: row
            for row in IntelItem.objects.filter(membership__network__in=part)
            .values("membership__network")
            .annotate(
                n=Count("pk"),
                recent=Count("pk", filter=Q(observed_at__gte=recent_from)),
                previous=Count("pk", filter=Q(observed_at__gte=previous_from, observed_at__lt=recent_from)),
                first=Min("observed_at"),
                last=Max("observed_at"),
            )
        }
        # Cities and venues are counted as places, by the one rule (Sthlm and STOCKHOLM are one city).
        cities: dict[int, set[str]] = defaultdict(set)
        venues: dict[int, set[str]] = defaultdict(set)
        for network_id, city, address in (
            IntelItem.objects.filter(membership__network__in=part)
            .exclude(city="", address="")
            .values_list("membership__network", "city", "address")
            .distinct()
        ):
            if city_key := places.normalise_city(city):
                cities[network_id].add(city_key)
            if address_key := places.normalise_address(address):
                venues[network_id].add(address_key)
        entity_counts = dict(
            ItemEntity.objects.filter(item__membership__network__in=part)
            .values("item__membership__network")
            .annotate(n=Count("entity", distinct=True))
            .values_list("item__membership__network", "n")
        )
        flagged = Counter(
            Network.objects.filter(pk__in=part, indicators__status__in=["open", "confirmed", "awaiting_review"])
            .values_list("pk", flat=True)
        )
        updates = []
        for network in Network.objects.filter(pk__in=part):
            row = figures.get(network.pk)
            network.item_count = row["n"] if row else 0
            network.city_count = len(cities.get(network.pk, ()))
            network.venue_count = len(venues.get(network.pk, ()))
            network.recent_count = row["recent"] if row else 0
            network.previous_count = row["previous"] if row else 0
            network.first_seen = row["first"] if row else None
            network.last_seen = row["last"] if row else None
            network.entity_count = entity_counts.get(network.pk, 0)
            network.score = rank_score(network, flagged.get(network.pk, 0))
            network.updated_at = now
            if network.item_count == 0 and network.status == NetworkStatus.ACTIVE:
                network.status = NetworkStatus.DISSOLVED
            updates.append(network)
        Network.objects.bulk_update(updates, [
            "item_count", "city_count", "venue_count", "recent_count", "previous_count", "first_seen",
            "last_seen", "entity_count", "score", "updated_at", "status",
        ])


def rank_score(network: Network, indicator_count: int) -> float:
    """Bigger, growing, spread over more cities and venues, and flagged ranks higher."""
    growth = max(network.recent_count - network.previous_count, 0)
    return round(
        math.log1p(network.item_count) * 2
        + math.log1p(growth) * 1.5
        + math.log1p(max(network.city_count - 1, 0)) * 1.5
        + math.log1p(network.venue_count)
        + indicator_count * 1.0,
        4,
    )


def link_all(
    agency: Agency, *, backend: str = "duckdb", acting_user: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkRun:
    """Link every item of ``agency`` and store the networks, keeping network ids stable."""
    if backend not in BACKENDS:
        raise LinkageUnavailable(_("unknown backend %(backend)s") % {"backend": backend})
    started = timezone.now()
    result, answer = _call_batch(agency, backend, progress)
    if progress is not None:
        progress(f"{len(set(result.assignments.values()))} networks found")
    with transaction.atomic():
        LinkState.store(agency, answer.index)
        run = LinkRun.objects.create(agency=agency, mode=LinkRun.Mode.BATCH, backend=backend, started_at=started, created_by=acting_user)
        changed = _store(agency, result, run, full=True)
        indicators.refresh(Network.objects.filter(pk__in=changed))
        refresh_figures(changed)
        run.item_count = len(result.assignments)
        run.network_count = len(set(result.assignments.values()))
        run.finished_at = timezone.now()
        run.summary = {
            "links": len(result.links),
            "glue": len(result.glue),
            "changed_networks": NetworkEvent.objects.filter(run=run).values("network").distinct().count(),
        }
        run.save(update_fields=["item_count", "network_count", "finished_at", "summary"])
        if progress is not None:
            progress("stored")
        do_record_event(
            user=acting_user, username="manage.py link_intel" if acting_user is None else "", agency=agency,
            action=AuditAction.UPDATE, record_type=RecordType.NETWORK, record_id=f"run:{run.pk}",
            detail=f"linked {run.item_count} items into {run.network_count} networks ({backend})",
        )
    return run


def link_item(item: IntelItem, *, acting_user: User | None = None) -> Network | None:
    """Link one new item at once through the package's incremental API; its network, if any."""
    started = timezone.now()
    result = _call_incremental(item)
    with transaction.atomic():
        run = LinkRun.objects.create(
            agency=item.agency, mode=LinkRun.Mode.INCREMENTAL, started_at=started, created_by=acting_user, item_count=1,
        )
        changed = _store(item.agency, result, run, full=False)
        indicators.refresh(Network.objects.filter(pk__in=changed))
        refresh_figures(changed)
        run.network_count = len(changed)
        run.finished_at = timezone.now()
        run.save(update_fields=["network_count", "finished_at"])
    membership = NetworkMembership.objects.filter(item=item).select_related("network").first()
    return membership.network if membership else None


def link_file(source: Any, output: Any, *, backend: str = "duckdb", quiet: bool = True) -> dict[str, int]:
    """File mode: link the items of ``source`` and write ``id,network_id`` rows to ``output``."""
    import csv

    from samverkan.intel.exports import neutralise

    if backend not in BACKENDS:
        raise LinkageUnavailable(_("unknown backend %(backend)s") % {"backend": backend})
    engine = _engine()
    writer_for = getattr(engine, "write_clusters", None)
    try:
        answer = _link_items(engine, str(source), backend)
    except Exception as exc:  # the package refuses unreadable files with its own errors
        raise LinkageUnavailable(str(exc)) from exc
    if writer_for is not None:
        writer_for(answer, str(output))
    else:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["id", "network_id"])
            for item_id, key in sorted(answer.assignments.items(), key=lambda kv: (kv[1], kv[0])):
                writer.writerow([neutralise(item_id), neutralise(key)])
    return {"items": len(answer.assignments), "networks": len(set(answer.assignments.values()))}
