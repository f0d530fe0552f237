"""Social services' own records: clients, their support, referrals and consents,
and their handling of the child-concern reports addressed to them.

Everything here belongs to one social-services agency and is visible to its
social workers only (DESIGN.md §4). The police see a client only through
what a disclosure granted, field by field; managers see counts elsewhere,
never a record. Every queryset is narrowed by ``visible_to`` and every
write goes through ``support.actions``.

The shared facts stay in ``operations``: a client is linked to the
encounters that concern them, and the age at each encounter is frozen on
the link.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import Agency, user_reference
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.legal.models import ConcernDeadline, ConcernDeadlineKind, concern_deadlines_on
from samverkan.lib import identity
from samverkan.lib.age import is_minor, presumed_minor
from samverkan.operations.models import AgeBand, ChildConcernReport, Encounter, normalise_key
from samverkan.sharing.gate import DisclosableQuerySet

M = TypeVar("M", bound=models.Model)
MAX_AGE = 120


# --- Support units (reference data) ------------------------------------------------


class SupportUnitKind(models.TextChoices):
    """What a unit is. Only social services' own support counts as "support within social
    services" in the results (``SUPPORT_WITHIN_SOCIAL_SERVICES``)."""

    SOCIAL_SERVICES = "social_services", _("Social services' own support")
    HEALTH_CARE = "health_care", _("Health care")
    SHELTER = "shelter", _("Shelter")
    NGO_SUPPORT = "ngo_support", _("Support from a voluntary organisation")
    NATIONAL_SUPPORT = "national_support", _("National support line or programme")
    BUYER_PROGRAMME = "buyer_programme", _("Programme for sex buyers")
    TIP_LINE = "tip_line", _("Tip line")


# The kinds a referral must be to for "linked to support within social services" (DESIGN.md §5):
# the municipality's own support (a city unit, the district's social services, the out-of-hours
# service). Health care, shelters, voluntary organisations and national lines are support, but
# not within social services; a programme for buyers and a tip line are not support for the person.
SUPPORT_WITHIN_SOCIAL_SERVICES: tuple[str, ...] = (SupportUnitKind.SOCIAL_SERVICES,)
# Not support for the person referred: a tip line passes on information, a buyer programme serves buyers.
NOT_SUPPORT: tuple[str, ...] = (SupportUnitKind.TIP_LINE, SupportUnitKind.BUYER_PROGRAMME)


class ServedGroup(models.TextChoices):
    """Whom a unit serves; a unit may serve several groups."""

    IN_PROSTITUTION = "in_prostitution", _("persons in prostitution")
    BUYERS = "buyers", _("sex buyers")
    CHILDREN = "children", _("children")


class SupportUnitQuerySet(models.QuerySet["SupportUnit"]):
    def valid_on(self, day: dt.date) -> SupportUnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def available_to(self, agency: Agency | None) -> SupportUnitQuerySet:
        """Units open to every agency (no agency), and the agency's own units."""
        if agency is None:
            return self.filter(agency__isnull=True)
        return self.filter(Q(agency__isnull=True) | Q(agency=agency))


class SupportUnit(models.Model):
    """A unit or service a client can be referred to, valid for a period."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=SupportUnitKind.choices)
    description = models.TextField(_("description"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    accepts_minors = models.BooleanField(_("accepts children (under 18)"), default=True)
    accepts_adults = models.BooleanField(_("accepts adults"), default=True)
    # Whom it serves (``ServedGroup``); the age limits above apply as well.
    serves_in_prostitution = models.BooleanField(_("serves persons in prostitution"), default=True)
    serves_buyers = models.BooleanField(_("serves sex buyers"), default=False)
    serves_children = models.BooleanField(_("serves children"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # A city unit belongs to one municipality's social services; national and
    # civil-society units (no agency) are offered to every agency.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_units",
        verbose_name=_("agency"),
    )

    objects = SupportUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("support unit")
        verbose_name_plural = _("support units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepts_minors=True) | Q(accepts_adults=True),
                name="support_unit_accepts_someone",
            ),
            models.CheckConstraint(
                condition=Q(serves_in_prostitution=True) | Q(serves_buyers=True) | Q(serves_children=True),
                name="support_unit_serves_someone",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="support_unit_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)

    def accepts(self, *, minor: bool) -> bool:
        return self.accepts_minors if minor else self.accepts_adults

    @property
    def served_groups(self) -> frozenset[str]:
        groups = {
            ServedGroup.IN_PROSTITUTION: self.serves_in_prostitution,
            ServedGroup.BUYERS: self.serves_buyers,
            ServedGroup.CHILDREN: self.serves_children,
        }
        return frozenset(group for group, served in groups.items() if served)

    @property
    def served_label(self) -> str:
        """Whom the unit serves, in words: "persons in prostitution, children"."""
        return ", ".join(str(group.label) for group in ServedGroup if group in self.served_groups)

    @property
    def counts_as_social_services_support(self) -> bool:
        return self.kind in SUPPORT_WITHIN_SOCIAL_SERVICES

    @property
    def age_label(self) -> str:
        if not self.accepts_adults:
            return str(_("under 18 only"))
        if not self.accepts_minors:
            return str(_("18 and over only"))
        return ""


# --- Clients ---------------------------------------------------------------------

class ClientPartQuerySet(RestrictedQuerySet[M]):
    """Rows that belong to a client (identifiers, ages, encounter links, consents): reached as
    the client is by its own agency. The other agency never gets these rows: what a disclosure
    grants of them reaches it as a projection of the client (``support.disclosure``)."""

    record_type = RecordType.CLIENT
    agency_path = "client__agency"


class IdentifierKind(models.TextChoices):
    PERSONNUMMER = "personnummer", _("Personal identity number")
    SAMORDNINGSNUMMER = "samordningsnummer", _("Co-ordination number")
    RESERVE = "reserve", _("Reserve number")
    NONE = "none", _("No identity number")


def identifier_matches(text: str, *, today: dt.date) -> Q:
    """Identifier rows that ``text`` names, typed with or without dash or century."""
    query = Q(pk__in=[])
    try:
        number = identity.parse_identity_number(text, today=today)
    except identity.InvalidIdentifier:
        pass
    else:
        query |= Q(kind=str(number.kind), value=number.normalised)
    try:
        reserve = identity.normalise_reserve(text)
    except identity.InvalidIdentifier:
        pass
    else:
        query |= Q(kind=IdentifierKind.RESERVE, value=reserve)
    return query


class ClientQuerySet(DisclosableQuerySet["Client"]):
    record_type = RecordType.CLIENT

    def search(
        self,
        text: str,
        *,
        today: dt.date,
        granted: Mapping[int, frozenset[str]] | None = None,
    ) -> ClientQuerySet:
        """Clients whose pseudonym contains every word of ``text``, or whose identifier it is.

        ``granted`` (for a user who sees only disclosed parts) limits each
        client's match to the parts disclosed: a number must not find a
        client whose identifiers were not disclosed.
        """
        text = text.strip()
        if not text:
            return self
        by_name = Q()
        key = normalise_key(text)
        if key:
            for word in key.split():
                by_name &= Q(pseudonym_key__contains=word)
        else:
            by_name = Q(pk__in=[])
        by_number = Q(
            pk__in=ClientIdentifier.objects.filter(identifier_matches(text, today=today)).values(
                "client_id"
            )
        )
        if granted is not None:
            by_name &= Q(pk__in=[pk for pk, f in granted.items() if "pseudonym" in f])
            by_number &= Q(pk__in=[pk for pk, f in granted.items() if "identifiers" in f])
        return self.filter(by_name | by_number)


@dataclass(frozen=True)
class AgeAt:
    """A client's age on a day: whole years, and where it comes from (``None``: unknown)."""

    years: int | None
    source: str

    @property
    def counts_as_minor(self) -> bool:
        """Presumption of childhood: an unknown age counts as a child."""
        return presumed_minor(self.years)

    @property
    def source_label(self) -> str:
        return str(AgeSource(self.source).label)


def _whole_years(start: dt.date, end: dt.date) -> int:
    """Full years from ``start`` to ``end``, rounded down (negative if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return months // 12


class Client(models.Model):
    """Social services' record of a person they support."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="clients", verbose_name=_("agency")
    )
    # The internal person key: stable, never shown as an identity.
    key = models.UUIDField(_("internal key"), unique=True, default=uuid.uuid4, editable=False)
    pseudonym = models.CharField(
        _("pseudonym"), max_length=100, help_text=_("What you call the person in your work.")
    )
    pseudonym_key = models.CharField(max_length=100, editable=False)
    language = models.CharField(_("language"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    protected_identity = models.BooleanField(
        _("protected personal data"),
        default=False,
        help_text=_("Identity numbers and contact are then shown on the client's own page only."),
    )
    created_by = user_reference(_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["pseudonym_key", "pk"]
        indexes = [models.Index(fields=["agency", "pseudonym_key"])]

    def __str__(self) -> str:
        return self.pseudonym

    def compute_pseudonym_key(self) -> str:
        return normalise_key(self.pseudonym)[:100]

    def birth_date(self) -> dt.date | None:
        """From a personal identity or co-ordination number, when one is known."""
        for ident in self.identifiers.all():
            if ident.birth_date is not None:
                return ident.birth_date
        return None

    def age_on(self, day: dt.date) -> AgeAt:
        """The age on ``day``: from the birth date, else from the age assessments.

        An assessed range counts by its lower bound (presumption of childhood),
        moved on by the full years between the assessment and ``day``. The
        assessment nearest before ``day`` is used, or the first after it.
        """
        born = self.birth_date()
        if born is not None:
            return AgeAt(max(_whole_years(born, day), 0), AgeSource.BIRTH_DATE)
        assessments = list(self.age_assessments.all())
        if not assessments:
            return AgeAt(None, AgeSource.UNKNOWN)
        before = [a for a in assessments if a.assessed_on <= day]
        on = (
            max(a.assessed_on for a in before)
            if before
            else min(a.assessed_on for a in assessments)
        )
        lowest = min(a.min_years for a in assessments if a.assessed_on == on)
        return AgeAt(max(lowest + _whole_years(on, day), 0), AgeSource.ASSESSMENT)


class ClientIdentifierQuerySet(ClientPartQuerySet["ClientIdentifier"]):
    pass


class ClientIdentifier(models.Model):
    """A typed identity number; unique within the agency, so that the person is found again."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="identifiers", verbose_name=_("client")
    )
    # The client's agency, kept here for the uniqueness constraint.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IdentifierKind.choices)
    # Twelve digits for a personal identity or co-ordination number; a reserve number cleaned.
    value = models.CharField(_("number"), max_length=identity.RESERVE_MAX_LENGTH, blank=True)
    issuer = models.CharField(
        _("issued by"), max_length=100, blank=True, help_text=_("For a reserve number.")
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    added_by = user_reference(_("added by"))
    added_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    objects = ClientIdentifierQuerySet.as_manager()

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "issuer", "value"],
                condition=~Q(kind="none"),
                name="client_identifier_found_again",
            ),
            models.CheckConstraint(
                condition=(Q(kind="none") & Q(value="")) | (~Q(kind="none") & ~Q(value="")),
                name="client_identifier_value_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        if self.kind in (IdentifierKind.PERSONNUMMER, IdentifierKind.SAMORDNINGSNUMMER):
            return f"{self.value[:8]}-{self.value[8:]}"
        if self.kind == IdentifierKind.RESERVE:
            return f"{self.value} ({self.issuer})" if self.issuer else self.value
        return str(IdentifierKind(self.kind).label)


class AgeSource(models.TextChoices):
    BIRTH_DATE = "birth_date", _("date of birth")
    ASSESSMENT = "assessment", _("age assessment")
    UNKNOWN = "unknown", _("unknown")


class AgeBasis(models.TextChoices):
    STATED = "stated", _("Stated by the person")
    DOCUMENTS = "documents", _("Documents")
    PROFESSIONAL = "professional", _("Professional assessment")
    MEDICAL = "medical", _("Medical assessment")


# The bases that establish an age for the statistics, the strongest first: documents, then a
# medical and a professional assessment. What the person says does not move them out of the minors.
ESTABLISHING_BASES = ("documents", "medical", "professional")


def _years_between_up(start: dt.date, end: dt.date) -> int:
    """Full years from ``start`` to ``end``, rounded up (negative if ``end`` is earlier)."""
    return -_whole_years(end, start)


def established_band(client: Client, day: dt.date) -> str | None:
    """The age band on ``day`` by the best established age, or ``None`` if none is established.

    A date of birth (from an identity number) decides. Otherwise the assessments of the
    strongest basis there is (documents, medical, professional), the one nearest before
    ``day`` (or the first after it): its range moved on to
    ``day`` (the lowest age rounded down, the highest rounded up) is under 18, 18 or
    over, or uncertain when it spans 18. A stated age establishes nothing.
    """
    born = client.birth_date()
    if born is not None:
        return AgeBand.UNDER_18 if is_minor(max(_whole_years(born, day), 0)) else AgeBand.ADULT
    established = [a for a in client.age_assessments.all() if a.basis in ESTABLISHING_BASES]
    if not established:
        return None
    strongest = min(ESTABLISHING_BASES.index(a.basis) for a in established)
    assessments = [a for a in established if ESTABLISHING_BASES.index(a.basis) == strongest]
    before = [a for a in assessments if a.assessed_on <= day]
    on = max(a.assessed_on for a in before) if before else min(a.assessed_on for a in assessments)
    latest = [a for a in assessments if a.assessed_on == on]
    lowest = min(a.min_years for a in latest) + _whole_years(on, day)
    highest = max(a.max_years for a in latest) + _years_between_up(on, day)
    if not is_minor(lowest):
        return AgeBand.ADULT
    if is_minor(highest):
        return AgeBand.UNDER_18
    return AgeBand.UNCERTAIN


class AgeAssessmentQuerySet(ClientPartQuerySet["AgeAssessment"]):
    pass


class AgeAssessment(models.Model):
    """A stated or assessed age: one value (min = max) or a range, with its basis."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="age_assessments", verbose_name=_("client")
    )
    min_years = models.PositiveSmallIntegerField(_("age (lowest)"))
    max_years = models.PositiveSmallIntegerField(_("age (highest)"))
    basis = models.CharField(_("basis"), max_length=16, choices=AgeBasis.choices)
    assessed_on = models.DateField(_("date"))
    assessed_by = user_reference(_("assessed by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = AgeAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("age assessment")
        verbose_name_plural = _("age assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_years__lte=F("max_years")) & Q(max_years__lte=MAX_AGE),
                name="age_assessment_range",
            )
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        if self.min_years == self.max_years:
            return str(self.min_years)
        return f"{self.min_years}\N{EN DASH}{self.max_years}"


class ClientEncounterQuerySet(ClientPartQuerySet["ClientEncounter"]):
    pass


class ClientEncounter(models.Model):
    """A client was the person met at an encounter; their age then is frozen here."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="encounter_links", verbose_name=_("client")
    )
    encounter = models.OneToOneField(
        Encounter, on_delete=models.PROTECT, related_name="client_link", verbose_name=_("encounter")
    )
    age_years = models.PositiveSmallIntegerField(_("age at the encounter"), null=True, blank=True)
    age_source = models.CharField(_("age from"), max_length=16, choices=AgeSource.choices)
    # The age band at the encounter by the best established age (a date of birth, documents,
    # an assessment), revised whenever one is recorded; empty while none is: the band
    # recorded at the encounter then stands. The statistics read it (``reports.definitions``).
    # NULL, not "": it reads as an unlinked encounter's missing link does (and bulk loads leave it out).
    age_band = models.CharField(  # noqa: DJ001
        _("established age at the encounter"), max_length=16, choices=AgeBand.choices, null=True, blank=True
    )
    linked_by = user_reference(_("linked by"))
    linked_at = models.DateTimeField(_("linked"), default=timezone.now, editable=False)

    objects = ClientEncounterQuerySet.as_manager()

    class Meta:
        verbose_name = _("client's encounter")
        verbose_name_plural = _("client's encounters")
        ordering = ["-encounter__occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.client}: {self.encounter}"

    @property
    def counts_as_minor(self) -> bool:
        return AgeAt(self.age_years, self.age_source).counts_as_minor


class UnidentifiedEncounterQuerySet(RestrictedQuerySet["UnidentifiedEncounter"]):
    """Reached as the agency's clients are: by its own social workers."""

    record_type = RecordType.CLIENT


class UnidentifiedEncounter(models.Model):
    """A social worker's finding that the person met at an encounter cannot be identified.

    The encounter stays a person of its own in the statistics (it cannot be told apart
    from anyone else); the mark takes it off the agency's work list of unlinked encounters.
    """

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="unidentified_marks", verbose_name=_("encounter")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    reason = models.CharField(_("why the person cannot be identified"), max_length=300)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked"), default=timezone.now, editable=False)

    objects = UnidentifiedEncounterQuerySet.as_manager()

    class Meta:
        verbose_name = _("encounter that cannot be identified")
        verbose_name_plural = _("encounters that cannot be identified")
        ordering = ["-marked_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["encounter", "agency"], name="unidentified_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.encounter}: {self.reason}"


class SupportActionKind(models.TextChoices):
    INFORMED = "informed", _("Informed about help")
    OFFERED = "offered", _("Support offered")
    ACCEPTED = "accepted", _("Support accepted")
    DECLINED = "declined", _("Support declined")


# Support actions that count as the client being informed of the support on offer (the results
# statistics, DESIGN.md §5: adults informed). Today every kind does.
INFORMED_KINDS = (
    SupportActionKind.INFORMED,
    SupportActionKind.OFFERED,
    SupportActionKind.ACCEPTED,
    SupportActionKind.DECLINED,
)


class SupportActionQuerySet(DisclosableQuerySet["SupportAction"]):
    record_type = RecordType.SUPPORT_ACTION


class SupportAction(models.Model):
    """Support given to a client: information, an offer, and the answer."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="support_actions", verbose_name=_("client")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("encounter"),
    )
    kind = models.CharField(_("what"), max_length=16, choices=SupportActionKind.choices)
    happened_on = models.DateField(_("date"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = SupportActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("support action")
        verbose_name_plural = _("support actions")
        ordering = ["-happened_on", "-pk"]
        # The results statistics look for a client informed on or after a day, once per person:
        # answered from this index alone (the condition is the statistics' own).
        indexes = [
            models.Index(
                fields=["client", "happened_on"], condition=Q(kind__in=INFORMED_KINDS), name="support_action_informed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on:%Y-%m-%d}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


class ReferralQuerySet(DisclosableQuerySet["Referral"]):
    record_type = RecordType.REFERRAL

    def not_declined(self) -> ReferralQuerySet:
        return self.exclude(status=ReferralStatus.DECLINED)


class Referral(models.Model):
    """A referral to a support unit, followed until the unit has received it."""

    # Status → the statuses it may move to.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        ReferralStatus.SENT: (ReferralStatus.RECEIVED, ReferralStatus.DECLINED),
        ReferralStatus.RECEIVED: (ReferralStatus.CLOSED, ReferralStatus.DECLINED),
        ReferralStatus.CLOSED: (),
        ReferralStatus.DECLINED: (),
    }

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("client")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    unit = models.ForeignKey(
        SupportUnit,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("referred to"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_on = models.DateField(_("sent"))
    received_on = models.DateField(_("received"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    declined_on = models.DateField(_("declined"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    referred_by = user_reference(_("referred by"))
    updated_by = user_reference(_("last changed by"), optional=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(received_on__gte=F("sent_on")),
                name="referral_received_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("sent_on")),
                name="referral_closed_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(declined_on__isnull=True) | Q(declined_on__gte=F("sent_on")),
                name="referral_declined_after_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_declined_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_status_display()})"

    def next_statuses(self) -> tuple[str, ...]:
        return self.TRANSITIONS.get(self.status, ())

    @property
    def last_step_on(self) -> dt.date:
        return self.declined_on or self.closed_on or self.received_on or self.sent_on


class ConsentScope(models.TextChoices):
    SHARE_WITH_POLICE = "share_with_police", _("Share information with the police")
    CONTACT_SUPPORT_UNIT = "contact_support_unit", _("Contact another support unit")
    SHARE_WITH_HEALTH_CARE = "share_with_health_care", _("Share information with health care")
    OTHER = "other", _("Other")


class ConsentGiver(models.TextChoices):
    CLIENT = "client", _("The client")
    GUARDIAN = "guardian", _("A guardian")


class ConsentQuerySet(ClientPartQuerySet["Consent"]):
    pass


class Consent(models.Model):
    """A consent, its scope, who gave it and when; withdrawn consent stays on record."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="consents", verbose_name=_("client")
    )
    scope = models.CharField(_("consent to"), max_length=32, choices=ConsentScope.choices)
    detail = models.CharField(_("details"), max_length=300, blank=True)
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGiver.choices)
    given_on = models.DateField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = user_reference(_("recorded by"))
    withdrawn_by = user_reference(_("withdrawal recorded by"), optional=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="other") | ~Q(detail=""), name="consent_other_described"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.given_on:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


# --- Child-concern reports: social services' handling ---------------------------------------


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSESSED = "assessed", _("Protection assessed")
    INVESTIGATING = "investigating", _("Investigation opened")
    NOT_INVESTIGATED = "not_investigated", _("No investigation opened")
    CLOSED = "closed", _("Closed")


class ConcernDecision(models.TextChoices):
    OPEN = "open", _("Open an investigation")
    NO_INVESTIGATION = "none", _("Do not open an investigation")


def concern_reports_handled_by(
    user: Any, action: Action = Action.LIST
) -> models.QuerySet[ChildConcernReport]:
    """The filed reports whose handling ``user`` may reach with ``action``.

    Two rights meet here: reading the filed report (``CHILD_CONCERN_REPORT``,
    for social services those addressed to their agency) and reaching its
    handling (``CONCERN_HANDLING``, social services' own record). The police
    read the reports they filed but never their handling.
    """
    reports = ChildConcernReport.objects.visible_to(user, Action.VIEW)
    if user_scope(user, RecordType.CONCERN_HANDLING, action) is Scope.OWN_AGENCY:
        return reports.filter(addressed_to=user.agency)
    return reports.none()


def open_concern_reports(
    reports: models.QuerySet[ChildConcernReport],
) -> models.QuerySet[ChildConcernReport]:
    """The reports whose handling is not closed (a report nobody has acted on yet is open)."""
    return reports.exclude(pk__in=ConcernHandling.objects.closed().values("report"))


class ConcernHandlingQuerySet(RestrictedQuerySet["ConcernHandling"]):
    record_type = RecordType.CONCERN_HANDLING

    def closed(self) -> ConcernHandlingQuerySet:
        return self.filter(status=ConcernStatus.CLOSED)


class ConcernHandling(models.Model):
    """Social services' handling of one child-concern report: their record, not the police's.

    The filed report stays in ``operations``, shared with the agency that
    filed it; everything social services do with it is here, owned by the
    agency the report is addressed to. Its key is the report's, so the
    report's number names its handling too. A report nobody has acted on yet
    has no row: ``of(report)`` then gives an unsaved handling in its first
    state (received), which the first action saves.

    Deadlines follow the Social Services Act, as dated reference data
    (``legal.ConcernDeadline``): an immediate protection assessment, a
    decision whether to open an investigation within 14 days, and the
    investigation finished within four months of that decision. A report keeps
    the deadlines in force on the day it came in, whatever the law says later.
    """

    # No reverse accessor: nothing on the shared report leads to its handling.
    report = models.OneToOneField(
        ChildConcernReport,
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("child-concern report"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    protection_assessed_at = models.DateTimeField(_("protection assessed"), null=True, blank=True)
    protection_assessment = models.TextField(_("protection assessment"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=8, choices=ConcernDecision.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    investigation_closed_at = models.DateTimeField(
        _("investigation finished"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.TextField(_("reason for closing without a referral"), blank=True)
    handled_by = user_reference(_("handled by"), optional=True)

    objects = ConcernHandlingQuerySet.as_manager()

    class Meta:
        verbose_name = _("handling of a child-concern report")
        verbose_name_plural = _("handling of child-concern reports")

    def __str__(self) -> str:
        return f"{self.report} – {self.get_status_display()}"

    @classmethod
    def of_each(
        cls,
        reports: Iterable[ChildConcernReport],
        deadlines: list[ConcernDeadline] | None = None,
    ) -> list[ConcernHandling]:
        """The handling of each report, in order, in one query; unsaved where there is none yet.

        The caller has fetched the reports through ``concern_reports_handled_by``, and
        perhaps every deadline (``deadlines``), else they are fetched here.
        """
        reports = list(reports)
        found = cls.objects.in_bulk([report.pk for report in reports])
        all_deadlines = list(ConcernDeadline.objects.all()) if deadlines is None else deadlines
        handlings = []
        for report in reports:
            handling = found.get(report.pk) or cls(report=report, agency_id=report.addressed_to_id)
            handling.report = report
            rules = concern_deadlines_on(timezone.localdate(report.created_at), all_deadlines)
            if set(rules) == set(ConcernDeadlineKind.values):
                handling._deadline_rules = rules
            handlings.append(handling)
        return handlings

    @classmethod
    def of(cls, report: ChildConcernReport) -> ConcernHandling:
        """The handling of ``report`` (the caller has checked access); unsaved if none yet."""
        return cls.of_each([report])[0]

    @property
    def is_closed(self) -> bool:
        return self.status == ConcernStatus.CLOSED

    def deadline_rules(self) -> dict[str, ConcernDeadline]:
        """The deadlines in force on the day the report came in, by step (fetched once)."""
        rules: dict[str, ConcernDeadline] | None = getattr(self, "_deadline_rules", None)
        if rules is None:
            rules = concern_deadlines_on(timezone.localdate(self.report.created_at))
            missing = {k for k in ConcernDeadlineKind.values if k not in rules}
            if missing:
                raise ImproperlyConfigured(
                    f"no child-concern deadline in force for {sorted(missing)}: seed legal.reference"
                )
            self._deadline_rules = rules
        return rules

    @property
    def protection_due(self) -> dt.datetime:
        return self.deadline_rules()[ConcernDeadlineKind.PROTECTION].due(self.report.created_at)

    @property
    def decision_due(self) -> dt.datetime:
        return self.deadline_rules()[ConcernDeadlineKind.DECISION].due(self.report.created_at)

    @property
    def investigation_due(self) -> dt.datetime | None:
        if self.decided_at is None or self.decision != ConcernDecision.OPEN:
            return None
        # Months in local time: calendar months, whatever the clocks did in between.
        return self.deadline_rules()[ConcernDeadlineKind.INVESTIGATION].due(self.decided_at)

    def deadlines(self, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime, bool]]:
        """Open deadlines as (name, due, overdue)."""
        now = now or timezone.now()
        out: list[tuple[str, dt.datetime, bool]] = []
        if self.is_closed:
            return out
        if self.protection_assessed_at is None:
            out.append(("protection", self.protection_due, now > self.protection_due))
        if self.decided_at is None:
            out.append(("decision", self.decision_due, now > self.decision_due))
        due = self.investigation_due
        if due is not None and self.investigation_closed_at is None:
            out.append(("investigation", due, now > due))
        return out


class ConcernClientLinkQuerySet(models.QuerySet["ConcernClientLink"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ConcernClientLinkQuerySet:
        reports = concern_reports_handled_by(user, action)
        clients = Client.objects.visible_to(user, action)
        return self.filter(report__in=reports, client__in=clients)


class ConcernClientLink(models.Model):
    """The client a child-concern report is about (the report lives in ``operations``)."""

    report = models.OneToOneField(
        ChildConcernReport,
        on_delete=models.PROTECT,
        related_name="client_link",
        verbose_name=_("child-concern report"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="concern_links", verbose_name=_("client")
    )
    linked_by = user_reference(_("linked by"))
    linked_at = models.DateTimeField(_("linked"), default=timezone.now, editable=False)

    objects = ConcernClientLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("child-concern report's client")
        verbose_name_plural = _("child-concern reports' clients")

    def __str__(self) -> str:
        return f"{self.report} → {self.client}"
