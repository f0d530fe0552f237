"""Social services' own records: clients, their support, referrals and consents.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import visible
from samverkan.accounts.models import Agency
from samverkan.accounts.policy import Action, RecordType, Scope, disclosed_fields, user_scope
from samverkan.lib import identity
from samverkan.lib.age import presumed_minor
from samverkan.operations.models import ChildConcernReport, Encounter, normalise_key

MAX_AGE = 120


# --- Support units (reference data) ------------------------------------------------


class SupportUnitKind(models.TextChoices):
    CITY_UNIT = "city_unit", _("City unit")
    NATIONAL = "national", _("National")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    HEALTH_CARE = "health_care", _("Health care")
    SHELTER = "shelter", _("Shelter")


class SupportUnitQuerySet(models.QuerySet["SupportUnit"]):
    def valid_on(self, day: dt.date) -> SupportUnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def available_to(self, agency: Agency | None) -> SupportUnitQuerySet:
        """National and civil-society units, and the agency's own city units."""
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
    def age_label(self) -> str:
        if not self.accepts_adults:
            return str(_("under 18 only"))
        if not self.accepts_minors:
            return str(_("18 and over only"))
        return ""


# --- Clients ---------------------------------------------------------------------

# The parts of a client a disclosure can grant, by name (``disclosed_fields``).
CLIENT_FIELDS = frozenset(
    {"pseudonym", "identifiers", "ages", "language", "contact", "encounters", "consents"}
)


def _visible_client_part(
    qs: models.QuerySet[Any], user: Any, action: Action, field: str
) -> models.QuerySet[Any]:
    """Rows that belong to a client, visible as the client is, and only the granted part."""
    if user_scope(user, RecordType.CLIENT, action) is Scope.DISCLOSED:
        granted = disclosed_fields(user, RecordType.CLIENT)
        return qs.filter(client_id__in=[pk for pk, fields in granted.items() if field in fields])
    return visible(qs, user, RecordType.CLIENT, action, agency="client__agency")


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


class ClientQuerySet(models.QuerySet["Client"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ClientQuerySet:
        return visible(self, user, RecordType.CLIENT, action)

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
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


class ClientIdentifierQuerySet(models.QuerySet["ClientIdentifier"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ClientIdentifierQuerySet:
        return _visible_client_part(self, user, action, "identifiers")  # type: ignore[return-value]


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
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
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


class AgeAssessmentQuerySet(models.QuerySet["AgeAssessment"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> AgeAssessmentQuerySet:
        return _visible_client_part(self, user, action, "ages")  # type: ignore[return-value]


class AgeAssessment(models.Model):
    """A stated or assessed age: one value (min = max) or a range, with its basis."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="age_assessments", verbose_name=_("client")
    )
    min_years = models.PositiveSmallIntegerField(_("age (lowest)"))
    max_years = models.PositiveSmallIntegerField(_("age (highest)"))
    basis = models.CharField(_("basis"), max_length=16, choices=AgeBasis.choices)
    assessed_on = models.DateField(_("date"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )
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


class ClientEncounterQuerySet(models.QuerySet["ClientEncounter"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ClientEncounterQuerySet:
        return _visible_client_part(self, user, action, "encounters")  # type: ignore[return-value]


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
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("linked by"),
    )
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


class SupportActionQuerySet(models.QuerySet["SupportAction"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> SupportActionQuerySet:
        return visible(self, user, RecordType.SUPPORT_ACTION, action)


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


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ReferralQuerySet:
        return visible(self, user, RecordType.REFERRAL, action)

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
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
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


class ConsentQuerySet(models.QuerySet["Consent"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ConsentQuerySet:
        return _visible_client_part(self, user, action, "consents")  # type: ignore[return-value]


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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )
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


class ConcernClientLinkQuerySet(models.QuerySet["ConcernClientLink"]):
    def visible_to(self, user: Any, action: Action = Action.LIST) -> ConcernClientLinkQuerySet:
        reports = ChildConcernReport.objects.visible_to(user, action)
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
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now, editable=False)

    objects = ConcernClientLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("child-concern report's client")
        verbose_name_plural = _("child-concern reports' clients")

    def __str__(self) -> str:
        return f"{self.report} → {self.client}"
