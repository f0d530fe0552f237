"""Tips, intelligence items, entities and networks (DESIGN.md §7).

Two walls run through this app. Tips may be submitted by anyone working
cases, but only the police analysts of the police agency they are addressed
to read them; the identity of a tip's source lives in its own table
(``TipSource``), read by police analysts only and audited on every view.
Intelligence — items, entities, networks and everything derived from them —
belongs to one police agency and is read by its analysts and investigators
only (``accounts.policy``).

Networks are computed by the linkage package (``samverkan.intel.linkage``)
and stored here by ``samverkan.intel.linking``; their ``key`` is the stable
network id the package keeps across runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import Agency, Collaboration
from samverkan.accounts.policy import RecordType
from samverkan.intel import explanations
from samverkan.lib.age import is_minor
from samverkan.operations.models import Operation, Shift, Venue, VenueKind

# --- Tips -------------------------------------------------------------------------------


class SourceType(models.TextChoices):
    PUBLIC = "public", _("Member of the public")
    ANONYMOUS = "anonymous", _("Anonymous")
    AUTHORITY = "authority", _("Another authority")
    ORGANISATION = "organisation", _("Voluntary organisation")
    STAFF = "staff", _("Own staff")
    ONLINE = "online", _("Online monitoring")
    OTHER = "other", _("Other")


class TipStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSESSED = "assessed", _("Assessed")
    LINKED = "linked", _("Linked")
    CLOSED = "closed", _("Closed")


class Relevance(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a week")
    URGENT = "urgent", _("Urgent")


class TipQuerySet(RestrictedQuerySet["Tip"]):
    record_type = RecordType.TIP
    agency_path = "addressed_to"

    def summary_for(self, user: Any) -> Self:
        """A coordinator plans from the tips of the collaborations their agency is in."""
        return self.filter(collaboration__in=user.collaborations())

    def open(self) -> TipQuerySet:
        return self.exclude(status=TipStatus.CLOSED)


class Tip(models.Model):
    """Incoming information (tips), addressed to the police of a collaboration."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.PROTECT, related_name="tips", verbose_name=_("collaboration")
    )
    addressed_to = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="tips_received", verbose_name=_("addressed to")
    )
    submitter_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by agency")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    what = models.TextField(_("what"), max_length=5000)
    where = models.CharField(_("where"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    venue_kind = models.CharField(_("kind of venue"), max_length=32, choices=VenueKind.choices, blank=True)
    observed_at = models.DateTimeField(_("when"), null=True, blank=True)
    when_text = models.CharField(_("when, in words"), max_length=200, blank=True)
    source_type = models.CharField(_("source"), max_length=32, choices=SourceType.choices)

    status = models.CharField(_("status"), max_length=16, choices=TipStatus.choices, default=TipStatus.NEW)
    relevance = models.CharField(_("relevance"), max_length=16, choices=Relevance.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    assessment = models.TextField(_("assessment"), max_length=5000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="tips", verbose_name=_("venue")
    )
    operation = models.ForeignKey(
        Operation, on_delete=models.PROTECT, null=True, blank=True, related_name="tips", verbose_name=_("operation")
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="tips", verbose_name=_("shift")
    )
    network = models.ForeignKey(
        "Network", on_delete=models.PROTECT, null=True, blank=True, related_name="tips", verbose_name=_("network")
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.CharField(_("why it was closed"), max_length=500, blank=True)
    # The tip's content as an intelligence item, linked into networks like any other.
    intel_item = models.OneToOneField(
        "IntelItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="tip",
        verbose_name=_("intelligence item"),
    )

    objects = TipQuerySet.as_manager()

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["addressed_to", "status", "submitted_at"])]

    def __str__(self) -> str:
        return _("Tip %(number)s") % {"number": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status != TipStatus.CLOSED

    @property
    def has_link(self) -> bool:
        return any((self.venue_id, self.operation_id, self.shift_id, self.network_id))


class TipSource(models.Model):
    """Who gave the tip: kept apart from the tip, read by police analysts only."""

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, related_name="source", verbose_name=_("tip"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("how to reach them"), max_length=300, blank=True)
    relation = models.CharField(_("how they know"), max_length=500, blank=True)
    wants_anonymity = models.BooleanField(_("asked not to be named"), default=False)

    class Meta:
        verbose_name = _("source of a tip")
        verbose_name_plural = _("sources of tips")

    def __str__(self) -> str:
        return _("Source of tip %(number)s") % {"number": self.tip_id}

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.contact or self.relation)


# --- Intelligence items ------------------------------------------------------------------


class ItemKind(models.TextChoices):
    AD = "ad", _("Online ad")
    OBSERVATION = "observation", _("Observation")
    TIP = "tip", _("Tip content")


class ItemOrigin(models.TextChoices):
    IMPORT = "import", _("Imported")
    MANUAL = "manual", _("Entered by hand")
    TIP = "tip", _("From a tip")


class ImportBatchQuerySet(RestrictedQuerySet["ImportBatch"]):
    """An agency's imports are read as its intelligence items are."""

    record_type = RecordType.INTEL_ITEM


class ImportBatch(models.Model):
    """One run of ``import_intel`` (or of the upload page): what was read, kept and skipped."""

    MAX_ERRORS_KEPT = 1000

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    file_name = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(_("checksum"), max_length=64)
    file_format = models.CharField(_("format"), max_length=16)
    strict = models.BooleanField(_("strict"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("imported by"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    read_count = models.PositiveIntegerField(_("records read"), default=0)
    created_count = models.PositiveIntegerField(_("new items"), default=0)
    updated_count = models.PositiveIntegerField(_("changed items"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged items"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped records"), default=0)
    # [{"line": 12, "id": "ad-1", "reason": "…"}], the first MAX_ERRORS_KEPT.
    errors = models.JSONField(_("skipped records"), default=list, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class IntelItemQuerySet(RestrictedQuerySet["IntelItem"]):
    record_type = RecordType.INTEL_ITEM


class IntelItem(models.Model):
    """An online ad, an observation or a tip's content, with the identifiers it mentions.

    Items, entities and their links arrive a million at a time by COPY. Their
    foreign keys are therefore not checked by the database (a check per row,
    with a lock on the parent row, costs more than the COPY itself) and carry
    no index of their own where a composite index already leads with them.
    The import takes the agency from the importer and the ids from its own
    transaction; Django still applies PROTECT, SET_NULL and CASCADE on delete.
    """

    LIST_FIELDS = ("phones", "emails", "urls", "handles", "names", "image_hashes")

    # Indexed as the first column of the unique id and of (agency, observed_at).
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False, verbose_name=_("agency")
    )
    external_id = models.CharField(_("id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    observed_at = models.DateTimeField(_("observed"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    phones = models.JSONField(_("phone numbers"), default=list, blank=True)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    urls = models.JSONField(_("web addresses"), default=list, blank=True)
    handles = models.JSONField(_("account handles"), default=list, blank=True)
    names = models.JSONField(_("names"), default=list, blank=True)
    image_hashes = models.JSONField(_("image hashes"), default=list, blank=True)
    age = models.PositiveSmallIntegerField(_("stated age"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    venue_kind = models.CharField(_("kind of venue"), max_length=32, blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=ItemOrigin.choices, default=ItemOrigin.MANUAL)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False, verbose_name=_("import"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, db_constraint=False, verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Over the imported fields: an unchanged record in a re-import is recognised and left alone.
    content_hash = models.CharField(max_length=64, blank=True)

    objects = IntelItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("intelligence item")
        verbose_name_plural = _("intelligence items")
        ordering = ["-observed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["agency", "external_id"], name="intel_item_external_id")]
        indexes = [models.Index(fields=["agency", "observed_at"])]

    def __str__(self) -> str:
        return self.title or self.external_id

    @property
    def summary(self) -> str:
        return self.title or self.text[:80] or self.external_id

    @property
    def states_a_minor(self) -> bool:
        """The stated age is under 18 (no stated age is no sign either way)."""
        return self.age is not None and is_minor(self.age)


# --- Entities ----------------------------------------------------------------------------


class EntityKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    URL = "url", _("Web address")
    HANDLE = "handle", _("Account handle")
    NAME = "name", _("Name")
    VEHICLE = "vehicle", _("Vehicle registration")
    IMAGE_HASH = "image_hash", _("Image hash")
    ADDRESS = "address", _("Address")


class EntityQuerySet(RestrictedQuerySet["Entity"]):
    record_type = RecordType.ENTITY


class Entity(models.Model):
    """A normalised identifier (phone in E.164, e-mail, …) and the items it came from."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False, verbose_name=_("agency")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntityKind.choices)
    value = models.CharField(_("value"), max_length=500)

    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "value"], name="entity_unique_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ItemEntity(models.Model):
    """An entity found in an item: the link that keeps where each entity came from.

    Millions of rows arrive by COPY at import: the key is (item, entity), with
    no surrogate id and its index to maintain.
    """

    pk = models.CompositePrimaryKey("item", "entity")
    # The primary key leads with the item: no index of its own. No database
    # foreign keys either (see IntelItem).
    item = models.ForeignKey(
        IntelItem, on_delete=models.CASCADE, related_name="entity_links", db_index=False, db_constraint=False,
        verbose_name=_("item"),
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="item_links", db_constraint=False, verbose_name=_("entity")
    )
    # The text as it stood in the item, before normalisation.
    raw = models.CharField(_("as written"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("entity in an item")
        verbose_name_plural = _("entities in items")

    def __str__(self) -> str:
        return f"{self.item_id} → {self.entity_id}"


class GlueIdentifier(models.Model):
    """An identifier shared so widely (a hotel switchboard, a common name) that it must not join networks."""

    entity = models.OneToOneField(Entity, on_delete=models.CASCADE, related_name="glue", verbose_name=_("entity"))
    reason = models.CharField(_("why"), max_length=300)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    flagged_at = models.DateTimeField(_("flagged"), default=timezone.now)

    class Meta:
        verbose_name = _("glue identifier")
        verbose_name_plural = _("glue identifiers")

    def __str__(self) -> str:
        return str(self.entity)


# --- Networks ----------------------------------------------------------------------------


class LinkRunQuerySet(RestrictedQuerySet["LinkRun"]):
    """An agency's linkage runs are read as its networks are."""

    record_type = RecordType.NETWORK


class LinkRun(models.Model):
    """One run of the linkage over the database, or one incremental link."""

    class Mode(models.TextChoices):
        BATCH = "batch", _("All items")
        INCREMENTAL = "incremental", _("One new item")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    backend = models.CharField(_("backend"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    network_count = models.PositiveIntegerField(_("networks"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    objects = LinkRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.started_at:%Y-%m-%d %H:%M}"


class LinkState(models.Model):
    """The linkage package's index after the last full run: what incremental linking needs.

    Kept in the database (a tar of the package's files), so that it follows
    the data through backups and never sits on a disk outside the partition.
    """

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("agency"))
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    index = models.BinaryField(_("index"))

    class Meta:
        verbose_name = _("linkage state")
        verbose_name_plural = _("linkage states")

    def __str__(self) -> str:
        return f"{self.agency} {self.saved_at:%Y-%m-%d %H:%M}"

    @classmethod
    def store(cls, agency: Agency, index: Any) -> LinkState:
        state, _created = cls.objects.get_or_create(agency=agency, defaults={"index": b""})
        state.save_index(index)
        return state

    def save_index(self, index: Any) -> None:
        import io
        import tarfile
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            index.save(folder)
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
                for path in sorted(Path(folder).iterdir()):
                    tar.add(path, arcname=path.name)
        self.index = buffer.getvalue()
        self.saved_at = timezone.now()
        self.save(update_fields=["index", "saved_at"])

    def unpack(self, directory: Any) -> None:
        """Write the package's index files into ``directory``."""
        import io
        import tarfile
        from pathlib import Path

        Path(directory).mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(bytes(self.index)), mode="r:gz") as tar:
            tar.extractall(directory, filter="data")


class NetworkStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another")
    DISSOLVED = "dissolved", _("Dissolved")


class NetworkQuerySet(RestrictedQuerySet["Network"]):
    record_type = RecordType.NETWORK

    def summary_for(self, user: Any) -> Self:
        """A network belongs to an agency: its summary reaches the agencies of the user's collaborations."""
        return self.filter(agency__in=Agency.objects.filter(collaborations__in=user.collaborations()))

    def active(self) -> NetworkQuerySet:
        return self.filter(status=NetworkStatus.ACTIVE)

    def ranked(self) -> NetworkQuerySet:
        return self.order_by("-score", "-item_count", "key")


class Network(models.Model):
    """A cluster of linked items and their entities: a possible organisation, for review."""

    # Items observed in the last GROWTH_WINDOW count as growth.
    GROWTH_WINDOW = dt.timedelta(weeks=4)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    # The linkage package's stable network id; kept across runs as long as the network lives.
    key = models.CharField(_("network id"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from",
        verbose_name=_("merged into"),
    )
    item_count = models.PositiveIntegerField(_("items"), default=0)
    entity_count = models.PositiveIntegerField(_("entities"), default=0)
    city_count = models.PositiveIntegerField(_("cities"), default=0)
    venue_count = models.PositiveIntegerField(_("venues"), default=0)
    recent_count = models.PositiveIntegerField(_("items in the last four weeks"), default=0)
    previous_count = models.PositiveIntegerField(_("items in the four weeks before"), default=0)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    score = models.FloatField(_("rank score"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["-score", "key"]
        constraints = [models.UniqueConstraint(fields=["agency", "key"], name="network_stable_key")]
        indexes = [models.Index(fields=["agency", "status", "-score"])]

    def __str__(self) -> str:
        return _("Network %(key)s") % {"key": self.key}

    @property
    def growth(self) -> int:
        return self.recent_count - self.previous_count


class NetworkMembership(models.Model):
    """An item's place in a network: an item belongs to one network at a time."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("network"))
    item = models.OneToOneField(IntelItem, on_delete=models.CASCADE, related_name="membership", verbose_name=_("item"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")

    def __str__(self) -> str:
        return f"{self.network_id} ∋ {self.item_id}"


class NetworkLink(models.Model):
    """Why two items are linked: the shared entities, the similarities and the match weight."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="links", verbose_name=_("network"))
    item_a = models.ForeignKey(IntelItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item"))
    item_b = models.ForeignKey(IntelItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("linked item"))
    # None: a shared identifier linked a new item at once; the next full run weighs it.
    match_weight = models.FloatField(_("match weight"), null=True, blank=True)
    match_probability = models.FloatField(_("match probability"), null=True, blank=True)
    # {"entities": [{"kind", "value"}], "comparisons": [{"name", "level", "label", "weight"}], …}
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)

    class Meta:
        verbose_name = _("network link")
        verbose_name_plural = _("network links")
        ordering = ["-match_weight", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["network", "item_a", "item_b"], name="network_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_a_id} – {self.item_b_id} ({self.match_weight:.1f})"

    @property
    def shared_entities(self) -> list[dict[str, Any]]:
        """[{"kind", "value"}]: the identifiers both items carry."""
        value = self.explanation.get("shared", []) if isinstance(self.explanation, dict) else []
        return value if isinstance(value, list) else []

    @property
    def comparisons(self) -> list[dict[str, Any]]:
        """[{"comparison", "level", "match_weight", "name", "result"}]: the similarities Splink compared,
        ``name`` and ``result`` in the user's language (``intel.explanations``)."""
        return explanations.comparisons(self.explanation)

    @property
    def shown_shared_entities(self) -> list[dict[str, Any]]:
        """The shared identifiers, their kinds in the user's language."""
        return [{**e, "kind": explanations.entity_kind_label(str(e.get("kind", "")))} for e in self.shared_entities if isinstance(e, dict)]

    @property
    def kind(self) -> str:
        """"identifier" (a shared identifier) or "similarity" (similar ads)."""
        return str(self.explanation.get("kind", "")) if isinstance(self.explanation, dict) else ""


class NetworkEventKind(models.TextChoices):
    CREATED = "created", _("Found")
    GREW = "grew", _("Grew")
    SHRANK = "shrank", _("Shrank")
    MERGED = "merged", _("Merged")
    SPLIT = "split", _("Split")
    DISSOLVED = "dissolved", _("Dissolved")


class NetworkEvent(models.Model):
    """What happened to a network in a run: found, grew, merged with another, split."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="events", verbose_name=_("network"))
    run = models.ForeignKey(LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("run"))
    kind = models.CharField(_("what"), max_length=16, choices=NetworkEventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    # {"from": ["N…"], "into": "N…", "items": 12, …}
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("network event")
        verbose_name_plural = _("network events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.network_id} {self.kind} {self.at:%Y-%m-%d}"


class IndicatorKind(models.TextChoices):
    POSSIBLE_MINOR = "possible_minor", _("Possible minor")
    THIRD_PARTY_CONTROL = "third_party_control", _("Possible third-party control")
    CITY_ROTATION = "city_rotation", _("Rotation between cities")
    SHARED_IMAGES = "shared_images", _("Same images in many ads")


class IndicatorStatus(models.TextChoices):
    # Possible minors wait here first: a person looks before anything else is shown.
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
    OPEN = "open", _("To consider")
    CONFIRMED = "confirmed", _("Confirmed by a reviewer")
    DISMISSED = "dismissed", _("Dismissed by a reviewer")


class Indicator(models.Model):
    """A sign worth a person's look, with its evidence. Never a verdict."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("network"))
    kind = models.CharField(_("indicator"), max_length=32, choices=IndicatorKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=IndicatorStatus.choices, default=IndicatorStatus.OPEN)
    # [{"item": pk, "external_id": "…", "why": "…"}], and summary counts.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["network", "kind"], name="indicator_once_per_network")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.network_id})"

    @property
    def reviewed(self) -> bool:
        return self.status in (IndicatorStatus.CONFIRMED, IndicatorStatus.DISMISSED)


class FollowUpKind(models.TextChoices):
    TIP = "tip", _("Tip")
    SHIFT = "shift", _("Planned shift")
    CRIME_REPORT = "crime_report", _("Crime report")


class NetworkFollowUp(models.Model):
    """Something started from a network: a tip, a planned shift or a crime report."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("network"))
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tip"))
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("shift"))
    crime_report = models.ForeignKey(
        "investigations.CrimeReport", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("crime report"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up of a network")
        verbose_name_plural = _("follow-ups of networks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="tip", tip__isnull=False)
                | Q(kind="shift", shift__isnull=False)
                | Q(kind="crime_report", crime_report__isnull=False),
                name="follow_up_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.network_id} → {self.kind}"
