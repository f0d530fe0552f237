"""National-scale synthetic data, to measure the results statistics against.

``ScaleData(years=10, regions=7).build()`` makes what a national roll-out
would hold after ten years: seven police regions, each with one
municipality's social services and their collaboration, about two million
encounters and half a million crime reports (issue 4 item 7). Smaller runs
(``scale=0.01``) keep the same shape, for tests.

Like the demo (``samverkan.demo.generate``) the history is written directly,
without the actions and so without an audit trail, keeping the invariants the
actions keep: every encounter with a possible minor (in prostitution or
buying) has a child-concern report, every suspect under 18 has one, ages at
encounters and offences are frozen. Persons are met several times, some in
several years; some buyers are reported more than once.

Rows are written as tuples with ids computed here: by ``COPY`` on
PostgreSQL, by ``executemany`` elsewhere, all in one transaction. Everything
is synthetic and deterministic for a seed: names are "Testperson N", nobody
has a personnummer. Every scale row hangs off an agency or collaboration
whose code starts with ``scale-``, which is how ``delete_scale_data`` finds them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.utils import timezone

from samverkan.accounts.models import (
    Agency,
    AgencyKind,
    Area,
    AreaKind,
    Collaboration,
    Membership,
    Role,
    User,
)
from samverkan.demo import synthetic
from samverkan.investigations.models import (
    AgeAwareness,
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    PartyKind,
    Suspect,
    SuspectRole,
    TraffickingPurpose,
    age_on,
    person_key_for,
)
from samverkan.legal.models import Offence
from samverkan.lib.age import is_minor
from samverkan.operations.actions import concern_subject
from samverkan.operations.models import (
    AgeBand,
    ChildConcernReport,
    ConcernSubject,
    Encounter,
    EncounterRole,
    Operation,
    Shift,
    ShiftBasis,
    ShiftLogEntry,
    ShiftParticipant,
    ShiftStatus,
    Venue,
    VenueKind,
)
from samverkan.support.models import (
    AgeAssessment,
    AgeBasis,
    AgeSource,
    Client,
    ClientEncounter,
    ClientIdentifier,
    ConcernClientLink,
    ConcernDecision,
    ConcernHandling,
    ConcernStatus,
    IdentifierKind,
    Referral,
    ReferralStatus,
    SupportAction,
    SupportActionKind,
    SupportUnit,
    SupportUnitKind,
)

DEFAULT_SEED = 47
PREFIX = "scale-"
UTC = dt.UTC

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Sizes:
    """What one region adds in one year at scale 1.

    Ten years of seven regions make about 2,000,000 encounters (28,500 a
    region-year: adults met 2.35 times on average, buyers, others) and
    500,000 crime reports (7,143 a region-year, 95 % of them for buying sex).
    """

    completed_shifts: int = 1430
    cancelled_shifts: int = 70
    adults: int = 7000  # adult clients met in the year, 30 % of them met in earlier years too
    unlinked_adult_encounters: int = 600  # no client linked: each counts as a person
    minors: int = 200  # minor clients (30 % of them of uncertain age)
    unlinked_minor_encounters: int = 20
    other_encounters: int = 5400
    buyer_reports: int = 6786  # BrB 6:11, its attempt and 6:9; 85 % from a shift
    organiser_reports: int = 357  # BrB 6:12 and 4:1 a

    def scaled(self, factor: float) -> Sizes:
        return replace(self, **{f.name: max(1, round(getattr(self, f.name) * factor)) for f in fields(self)})


# --- Writing rows fast -----------------------------------------------------------------


class _Table:
    """One model's pending rows, given as tuples in ``columns`` order, and how to insert them.

    Concrete fields left out get their (constant) default; a field whose
    default is computed per row must be given, so that a new field on the
    model fails here loudly instead of inserting wrong data.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str], using: str) -> None:
        self.model = model
        self.connection = connections[using]
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        given = [by_attname[name] for name in columns]
        rest = [f for f in meta.concrete_fields if f.attname not in columns]
        for f in rest:
            if f.has_default() and callable(f.default):
                raise ImproperlyConfigured(f"scale data: give {meta.label}.{f.name} (its default is computed per row)")
        self.constants: Row = tuple(f.get_default() for f in rest)
        quote = self.connection.ops.quote_name
        self.sql_columns = ", ".join(quote(f.column) for f in [*given, *rest])
        self.sql_table = quote(meta.db_table)
        self.converters: list[tuple[int, Callable[[Any], Any]]] = []
        if self.connection.vendor != "postgresql":
            for index, field in enumerate(given):
                if isinstance(field, models.DateTimeField | models.DateField | models.UUIDField):
                    self.converters.append((index, self._converter(field)))
        self.rows: list[Row] = []
        self.written = 0

    def _converter(self, f: models.Field[Any, Any]) -> Callable[[Any], Any]:
        connection = self.connection
        if isinstance(f, models.DateTimeField):
            if connection.vendor == "sqlite":
                # What the SQLite backend stores (naive UTC, ``str()``), without its per-value checks.
                return lambda value: value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            return connection.ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return dt.date.isoformat
        return lambda value: f.get_db_prep_value(value, connection)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        rows: Iterable[Row] = self.rows
        if self.constants:
            rows = (row + self.constants for row in rows)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.sql_table} ({self.sql_columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                if self.converters:
                    rows = (self._convert(row) for row in rows)
                width = len(self.rows[0]) + len(self.constants)
                marks = ", ".join(["%s"] * width)
                sql = f"INSERT INTO {self.sql_table} ({self.sql_columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
                cursor.executemany(sql, list(rows))
        self.written += len(self.rows)
        self.rows = []

    def _convert(self, row: Row) -> Row:
        values = list(row)
        for index, convert in self.converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values)


class _Ids:
    """Primary keys handed out here, after the highest one already used."""

    def __init__(self) -> None:
        self.last: dict[type[models.Model], int] = {}

    def next(self, model: type[models.Model]) -> int:
        if model not in self.last:
            self.last[model] = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
        self.last[model] += 1
        return self.last[model]


# --- Reference data of a synthetic region -------------------------------------------------

VENUES_PER_AREA: tuple[tuple[str, str, int], ...] = (
    (VenueKind.HOTEL, "Hotell", 6),
    (VenueKind.SHORT_TERM_RENTAL, "Korttidslägenhet", 6),
    (VenueKind.MASSAGE_PARLOUR, "Massagesalong", 4),
    (VenueKind.STREET, "Gatumiljö", 2),
    (VenueKind.ONLINE, "Annonssajt", 2),
    (VenueKind.OTHER, "Lokal", 2),
)
AREAS_PER_REGION = 6
START_HOURS = (10, 14, 18, 19, 20, 21)
BASES = (ShiftBasis.OUTREACH, ShiftBasis.INTELLIGENCE, ShiftBasis.TIP)
# Weighted choices as (population, cumulative weights), for random.choices.
BASIS_WEIGHTS = (50, 85, 100)
ADULT_VISITS = ((1, 2, 3, 4, 5, 6), (40, 65, 80, 90, 96, 100))
MINOR_VISITS = ((1, 2, 3), (60, 90, 100))
REPORTS_PER_BUYER = ((1, 2, 3), (85, 97, 100))
REPORT_STATUSES = (
    (
        CrimeReportStatus.SUMMARY_PENALTY,
        CrimeReportStatus.PROSECUTION,
        CrimeReportStatus.CLOSED,
        CrimeReportStatus.PRELIMINARY_INVESTIGATION,
    ),
    (55, 75, 90, 100),
)
ORGANISER_OFFENCES = (("brb-6-12", "brb-6-12-grovt", "brb-4-1a"), (50, 60, 100))
OFFENCE_KEYS = ("brb-6-11", "brb-6-11-forsok", "brb-6-9", "brb-6-12", "brb-6-12-grovt", "brb-4-1a")


@dataclass
class _Region:
    number: int
    # Primary keys of the region's agencies, collaboration, staff and youth unit.
    police: int
    social: int
    collaboration: int
    officer: int
    investigator: int
    worker: int
    youth_unit: int
    area_ids: list[int]
    area_weights: list[int]  # cumulative
    operation_ids: list[int]
    venues_by_area: dict[int, list[int]]
    offline_venues: list[int]  # where a purchase is reported without a shift: ads, rentals
    # Adult clients met so far: (client id, age at creation, year created).
    adult_pool: list[tuple[int, int, int]]


@dataclass(frozen=True)
class _Shift:
    pk: int
    starts: dt.datetime
    minutes: int
    venues: list[int]  # those of the shift's area


def scale_data_present(using: str = DEFAULT_DB_ALIAS) -> bool:
    return Collaboration.objects.using(using).filter(code__startswith=PREFIX).exists()


class ScaleData:
    """Builds the synthetic national data in one transaction. ``build()`` is the entry point."""

    def __init__(
        self,
        *,
        years: int,
        regions: int,
        seed: int = DEFAULT_SEED,
        start_year: int | None = None,
        scale: float = 1.0,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if years < 1 or regions < 1 or scale <= 0:
            raise ValueError("years, regions and scale must be positive")
        self.years = years
        self.regions = regions
        self.start_year = start_year if start_year is not None else timezone.localdate().year - years
        self.sizes = Sizes().scaled(scale)
        self.using = using
        self.rng = random.Random(seed)
        self.tz = timezone.get_current_timezone()
        self.ids = _Ids()
        self.person_serial = 0
        self.case_serial = 0
        self.tables: dict[type[models.Model], _Table] = {}
        self._define_tables()

    @property
    def year_range(self) -> range:
        return range(self.start_year, self.start_year + self.years)

    def _table(self, model: type[models.Model], *columns: str) -> _Table:
        table = _Table(model, columns, self.using)
        self.tables[model] = table
        return table

    def _define_tables(self) -> None:
        # In the order of their foreign keys, the order they are flushed in.
        t = self._table
        self.shifts = t(
            Shift, "id", "collaboration_id", "operation_id", "area_id", "starts_at", "ends_at", "basis",
            "status", "cancel_reason", "created_by_id", "created_at", "started_at", "completed_at",
        )
        self.participants = t(ShiftParticipant, "id", "shift_id", "user_id", "agency_id", "role", "checked_in_at", "checked_out_at")
        self.encounters = t(
            Encounter, "id", "collaboration_id", "shift_id", "venue_id", "role", "age_band", "occurred_at",
            "recorded_by_id", "recorder_agency_id", "recorded_at", "idempotency_key",
        )
        self.concerns = t(
            ChildConcernReport, "id", "collaboration_id", "encounter_id", "subject", "reporter_agency_id",
            "reported_by_id", "addressed_to_id", "created_at", "guardians_to_notify",
        )
        self.handlings = t(
            ConcernHandling, "report_id", "agency_id", "status", "protection_assessed_at", "protection_assessment",
            "decision", "decided_at", "investigation_closed_at", "closed_at", "handled_by_id",
        )
        self.clients = t(
            Client, "id", "agency_id", "key", "pseudonym", "pseudonym_key", "language", "created_by_id", "created_at"
        )
        self.identifiers = t(ClientIdentifier, "id", "client_id", "agency_id", "kind", "added_by_id", "added_at")
        self.assessments = t(
            AgeAssessment, "id", "client_id", "min_years", "max_years", "basis", "assessed_on", "assessed_by_id",
            "recorded_at",
        )
        self.links = t(
            ClientEncounter, "id", "client_id", "encounter_id", "age_years", "age_source", "linked_by_id", "linked_at"
        )
        self.concern_links = t(ConcernClientLink, "id", "report_id", "client_id", "linked_by_id", "linked_at")
        self.actions = t(
            SupportAction, "id", "client_id", "agency_id", "encounter_id", "kind", "happened_on",
            "performed_by_id", "recorded_at",
        )
        self.referrals = t(
            Referral, "id", "client_id", "agency_id", "unit_id", "status", "sent_on", "received_on", "closed_on",
            "declined_on", "decline_reason", "referred_by_id", "updated_by_id", "created_at",
        )
        self.reports = t(
            CrimeReport, "id", "agency_id", "collaboration_id", "case_number", "offence_id", "committed_at",
            "venue_id", "shift_id", "status", "status_changed_at", "buyer_aware_of_age", "trafficking_purpose",
            "trafficking_victim_age", "created_by_id", "created_at",
        )
        self.suspects = t(
            Suspect, "id", "crime_report_id", "name", "birth_date", "person_key", "age_at_offence", "role",
            "encounter_id", "child_concern_report_id", "created_by_id", "created_at",
        )
        self.parties = t(CrimeReportParty, "id", "crime_report_id", "encounter_id", "kind", "created_by_id", "created_at")

    # --- the whole run --------------------------------------------------------------------

    def build(self, *, progress: Callable[[int], object] | None = None) -> dict[str, int]:
        """Write everything; ``progress(1)`` after each region-year. Returns rows per model."""
        offences = Offence.objects.using(self.using).in_bulk(OFFENCE_KEYS, field_name="key")
        missing = set(OFFENCE_KEYS) - set(offences)
        if missing:
            raise ImproperlyConfigured(f"scale data: offences missing (migrate first): {sorted(missing)}")
        self.offence_ids = {key: offence.pk for key, offence in offences.items()}
        connection = connections[self.using]
        with transaction.atomic(using=self.using):
            if connection.vendor == "postgresql":
                # Checked row by row in the order written, instead of queued to the commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            regions = [self._region(number) for number in range(1, self.regions + 1)]
            for year in self.year_range:
                for region in regions:
                    self._region_year(region, year)
                    for table in self.tables.values():
                        table.flush()
                    if progress is not None:
                        progress(1)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(self.tables)):
                    cursor.execute(sql)
        return {table.model._meta.label: table.written for table in self.tables.values()}

    # --- a region's agencies, areas, venues and staff -----------------------------------------

    def _region(self, number: int) -> _Region:
        db = self.using
        code = f"{PREFIX}{number}"
        police = Agency.objects.using(db).create(
            code=f"{PREFIX}polisregion-{number}", name=f"Polisregion Syntet {number}", kind=AgencyKind.POLICE
        )
        social = Agency.objects.using(db).create(
            code=f"{PREFIX}kommun-{number}",
            name=f"Syntetiska kommunen {number}, socialtjänsten",
            kind=AgencyKind.SOCIAL_SERVICES,
        )
        collaboration = Collaboration.objects.using(db).create(
            code=code,
            name=f"Samverkan mot prostitution och människohandel, syntetisk region {number}",
            valid_from=dt.date(self.start_year, 1, 1),
        )
        collaboration.agencies.add(police, social)
        district = Area.objects.using(db).create(
            code=f"{code}-po", name=f"Polisområde Syntet {number}", kind=AreaKind.POLICE_DISTRICT, agency=police
        )
        areas = [
            Area.objects.using(db).create(
                code=f"{code}-lpo-{i}",
                name=f"Lokalpolisområde Syntet {number}:{i}",
                kind=AreaKind.LOCAL_POLICE_AREA,
                agency=police,
                parent=district,
            )
            for i in range(1, AREAS_PER_REGION + 1)
        ]
        staff = {}
        for role, agency, suffix in (
            (Role.POLICE_OFFICER, police, "polis"),
            (Role.POLICE_INVESTIGATOR, police, "utredare"),
            (Role.SOCIAL_WORKER, social, "soc"),
        ):
            user = User(username=f"{code}-{suffix}", first_name="Testperson", last_name=f"{suffix} {number}")
            user.set_unusable_password()
            user.save(using=db)
            Membership.objects.using(db).create(user=user, agency=agency, role=role)
            staff[suffix] = user
        operations = [
            Operation.objects.using(db).create(
                collaboration=collaboration, name=f"Syntetisk insats {number}:{i}", starts_on=dt.date(self.start_year, 1, 1)
            )
            for i in (1, 2)
        ]
        venues = []
        for area in areas:
            for kind, label, count in VENUES_PER_AREA:
                for i in range(1, count + 1):
                    venue = Venue(
                        collaboration=collaboration,
                        kind=kind,
                        name=f"{label} Syntet {area.name.rsplit(' ', 1)[-1]}-{i}",
                        address=f"Testgatan {i}, Syntetstad {number}",
                        area=area,
                    )
                    venue.search_key = venue.compute_search_key()
                    venues.append(venue)
        Venue.objects.using(db).bulk_create(venues)
        saved = Venue.objects.using(db).filter(collaboration=collaboration).order_by("pk")
        venues_by_area: dict[int, list[int]] = {area.pk: [] for area in areas}
        offline = []
        for venue in saved:
            assert venue.area_id is not None
            venues_by_area[venue.area_id].append(venue.pk)
            if venue.kind in (VenueKind.ONLINE, VenueKind.SHORT_TERM_RENTAL):
                offline.append(venue.pk)
        youth_unit = SupportUnit.objects.using(db).create(
            code=f"{code}-ungdom",
            name=f"Ungdomsenheten, Syntetiska kommunen {number}",
            kind=SupportUnitKind.SOCIAL_SERVICES,
            accepts_minors=True,
            accepts_adults=False,
            serves_children=True,
            agency=social,
        )
        SupportUnit.objects.using(db).create(
            code=f"{code}-vuxen",
            name=f"Stödmottagningen, Syntetiska kommunen {number}",
            kind=SupportUnitKind.SOCIAL_SERVICES,
            accepts_minors=False,
            accepts_adults=True,
            agency=social,
        )
        return _Region(
            number=number,
            police=police.pk,
            social=social.pk,
            collaboration=collaboration.pk,
            officer=staff["polis"].pk,
            investigator=staff["utredare"].pk,
            worker=staff["soc"].pk,
            youth_unit=youth_unit.pk,
            area_ids=[a.pk for a in areas],
            area_weights=list(itertools.accumulate(self.rng.randint(5, 30) for _ in areas)),
            operation_ids=[o.pk for o in operations],
            venues_by_area=venues_by_area,
            offline_venues=offline,
            adult_pool=[],
        )

    # --- helpers --------------------------------------------------------------------------

    def _test_person(self) -> str:
        self.person_serial += 1
        return f"Testperson {self.person_serial}"

    def _local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def _moment(self, shift: _Shift) -> tuple[dt.datetime, int]:
        """A time during the shift, and a venue of its area."""
        occurred = shift.starts + dt.timedelta(minutes=self.rng.randrange(10, shift.minutes - 5))
        return occurred, self.rng.choice(shift.venues)

    def _encounter(self, r: _Region, shift: _Shift, role: str, band: str, occurred: dt.datetime, venue: int) -> tuple[int, int | None]:
        """An encounter; for a possible minor also its child-concern report (whose id is returned)."""
        pk = self.ids.next(Encounter)
        exploited = role == EncounterRole.EXPLOITED
        recorder, agency = (r.worker, r.social) if exploited else (r.officer, r.police)
        self.encounters.add(
            (pk, r.collaboration, shift.pk, venue, role, band, occurred, recorder, agency, occurred,
             uuid.UUID(int=self.rng.getrandbits(128), version=4))
        )
        subject = concern_subject(role, band)
        if subject is None:
            return pk, None
        return pk, self._concern(r, pk, subject, occurred, reporter=recorder, reporter_agency=agency)

    def _concern(
        self, r: _Region, encounter: int | None, subject: str, created: dt.datetime, *, reporter: int, reporter_agency: int
    ) -> int:
        """A child-concern report, handled and closed by social services."""
        pk = self.ids.next(ChildConcernReport)
        randint = self.rng.randint
        decided = created + dt.timedelta(days=randint(2, 12))
        closed = created + dt.timedelta(days=randint(60, 115))
        self.concerns.add(
            (pk, r.collaboration, encounter, subject, reporter_agency, reporter, r.social, created,
             subject == ConcernSubject.BUYER)
        )
        self.handlings.add(
            (pk, r.social, ConcernStatus.CLOSED, created + dt.timedelta(hours=3), "Skyddsbedömning gjord samma dygn.",
             ConcernDecision.OPEN, decided, closed, closed, r.worker)
        )
        return pk

    def _client(self, r: _Region, created: dt.datetime, *, age: int, minor: bool) -> int:
        pk = self.ids.next(Client)
        name = self._test_person()
        self.clients.add(
            (pk, r.social, uuid.UUID(int=self.rng.getrandbits(128), version=4), name, name.lower(), "", r.worker, created)
        )
        self.identifiers.add((self.ids.next(ClientIdentifier), pk, r.social, IdentifierKind.NONE, r.worker, created))
        self.assessments.add(
            (self.ids.next(AgeAssessment), pk, age, age + (1 if minor else 3),
             AgeBasis.PROFESSIONAL if minor else AgeBasis.STATED, self._local_day(created), r.worker, created)
        )
        return pk

    def _link(self, r: _Region, client: int, encounter: int, age: int, occurred: dt.datetime) -> None:
        self.links.add((self.ids.next(ClientEncounter), client, encounter, age, AgeSource.ASSESSMENT, r.worker, occurred))

    def _refer(self, r: _Region, client: int, day: dt.date, *, declined: bool = False) -> None:
        received = day + dt.timedelta(days=self.rng.randint(0, 3))
        row: tuple[Any, ...]
        if declined:
            row = (ReferralStatus.DECLINED, day, None, None, received, "Enheten hade inte plats.")
        else:
            row = (ReferralStatus.CLOSED, day, received, received + dt.timedelta(days=self.rng.randint(20, 120)), None, "")
        created = dt.datetime.combine(day, dt.time(12), tzinfo=self.tz)
        self.referrals.add(
            (self.ids.next(Referral), client, r.social, r.youth_unit, *row, r.worker, r.worker, created)
        )

    # --- one region in one year ---------------------------------------------------------------

    def _region_year(self, r: _Region, year: int) -> None:
        shifts = self._shifts(r, year)
        adult_at_shift: dict[int, int] = {}  # shift id → an adult in prostitution met there
        minor_encounters: list[tuple[_Shift, int]] = []
        self._minors(r, shifts, minor_encounters)
        self._adults(r, year, shifts, adult_at_shift)
        for _ in range(self.sizes.other_encounters):
            shift = self.rng.choice(shifts)
            occurred, venue = self._moment(shift)
            self._encounter(r, shift, EncounterRole.OTHER, AgeBand.ADULT, occurred, venue)
        self._buyers(r, year, shifts, minor_encounters, adult_at_shift)
        self._organisers(r, shifts, adult_at_shift)

    def _shifts(self, r: _Region, year: int) -> list[_Shift]:
        rng = self.rng
        s = self.sizes
        first = dt.date(year, 1, 1)
        days = (dt.date(year + 1, 1, 1) - first).days
        completed = []
        for index in range(s.completed_shifts + s.cancelled_shifts):
            done = index < s.completed_shifts
            day = first + dt.timedelta(days=rng.randrange(days))
            starts = dt.datetime.combine(day, dt.time(rng.choice(START_HOURS)), tzinfo=self.tz).astimezone(UTC)
            hours = rng.choice((4, 5, 6, 7))
            ends = starts + dt.timedelta(hours=hours)
            area = rng.choices(r.area_ids, cum_weights=r.area_weights)[0]
            operation = rng.choice(r.operation_ids) if rng.random() < 0.8 else None
            pk = self.ids.next(Shift)
            self.shifts.add(
                (pk, r.collaboration, operation, area, starts, ends, rng.choices(BASES, cum_weights=BASIS_WEIGHTS)[0],
                 ShiftStatus.COMPLETED if done else ShiftStatus.CANCELLED, "" if done else "Personalbrist",
                 r.officer, starts - dt.timedelta(days=rng.randint(1, 14)),
                 starts if done else None, ends if done else None)
            )
            if done:
                # Field staff of both agencies checked in: what completing a joint shift needs.
                self.participants.add((self.ids.next(ShiftParticipant), pk, r.officer, r.police, Role.POLICE_OFFICER, starts, ends))
                self.participants.add((self.ids.next(ShiftParticipant), pk, r.worker, r.social, Role.SOCIAL_WORKER, starts, ends))
                completed.append(_Shift(pk, starts, hours * 60, r.venues_by_area[area]))
        return completed

    def _visits(self, r: _Region, shifts: list[_Shift], count: int) -> list[tuple[_Shift, dt.datetime, int]]:
        visits = []
        for _ in range(count):
            shift = self.rng.choice(shifts)
            visits.append((shift, *self._moment(shift)))
        visits.sort(key=lambda v: v[1])
        return visits

    def _minors(self, r: _Region, shifts: list[_Shift], out: list[tuple[_Shift, int]]) -> None:
        rng = self.rng
        for _ in range(self.sizes.minors):
            band = AgeBand.UNCERTAIN if rng.random() < 0.3 else AgeBand.UNDER_18
            visits = self._visits(r, shifts, rng.choices(MINOR_VISITS[0], cum_weights=MINOR_VISITS[1])[0])
            age = rng.randint(14, 17)
            client = self._client(r, visits[0][1], age=age, minor=True)
            for shift, occurred, venue in visits:
                encounter, concern = self._encounter(r, shift, EncounterRole.EXPLOITED, band, occurred, venue)
                assert concern is not None
                self._link(r, client, encounter, age, occurred)
                self.concern_links.add((self.ids.next(ConcernClientLink), concern, client, r.worker, occurred))
                out.append((shift, encounter))
            follow = rng.random()
            if follow < 0.95:
                self._refer(r, client, self._local_day(visits[0][1]), declined=follow >= 0.92)
        for shift, occurred, venue in self._visits(r, shifts, self.sizes.unlinked_minor_encounters):
            band = AgeBand.UNCERTAIN if rng.random() < 0.3 else AgeBand.UNDER_18
            encounter, _concern = self._encounter(r, shift, EncounterRole.EXPLOITED, band, occurred, venue)
            out.append((shift, encounter))

    def _adults(self, r: _Region, year: int, shifts: list[_Shift], adult_at_shift: dict[int, int]) -> None:
        rng = self.rng
        returning = rng.sample(r.adult_pool, min(len(r.adult_pool), round(self.sizes.adults * 0.3)))
        people: list[tuple[int, int, int] | None] = [*returning, *([None] * (self.sizes.adults - len(returning)))]
        for person in people:
            visits = self._visits(r, shifts, rng.choices(ADULT_VISITS[0], cum_weights=ADULT_VISITS[1])[0])
            first = visits[0][1]
            if person is None:
                age = rng.randint(19, 55)
                client = self._client(r, first, age=age, minor=False)
                r.adult_pool.append((client, age, year))
            else:
                client, created_age, created_year = person
                age = created_age + year - created_year
            encounters = []
            for shift, occurred, venue in visits:
                encounter, _concern = self._encounter(r, shift, EncounterRole.EXPLOITED, AgeBand.ADULT, occurred, venue)
                self._link(r, client, encounter, age, occurred)
                adult_at_shift.setdefault(shift.pk, encounter)
                encounters.append(encounter)
            if rng.random() < 0.96:
                day = self._local_day(first)
                kinds = [SupportActionKind.INFORMED]
                follow = rng.random()
                if follow < 0.3:
                    kinds.append(SupportActionKind.ACCEPTED if follow < 0.12 else SupportActionKind.DECLINED)
                for kind in kinds:
                    self.actions.add(
                        (self.ids.next(SupportAction), client, r.social, encounters[0], kind, day, r.worker, first)
                    )
        for shift, occurred, venue in self._visits(r, shifts, self.sizes.unlinked_adult_encounters):
            encounter, _concern = self._encounter(r, shift, EncounterRole.EXPLOITED, AgeBand.ADULT, occurred, venue)
            adult_at_shift.setdefault(shift.pk, encounter)

    def _report(
        self, r: _Region, *, offence: str, committed: dt.datetime, venue: int, shift: _Shift | None, status: str,
        aware: str = "", purpose: str = "", victim_age: str = "",
    ) -> int:
        pk = self.ids.next(CrimeReport)
        self.case_serial += 1
        case_number = synthetic.case_number(self.case_serial, self._local_day(committed).year)
        self.reports.add(
            (pk, r.police, r.collaboration, case_number, self.offence_ids[offence], committed, venue,
             shift.pk if shift else None, status, committed + dt.timedelta(days=30), aware, purpose, victim_age,
             r.investigator, committed)
        )
        return pk

    def _buyers(
        self, r: _Region, year: int, shifts: list[_Shift], minor_encounters: list[tuple[_Shift, int]],
        adult_at_shift: dict[int, int],
    ) -> None:
        rng = self.rng
        remaining = self.sizes.buyer_reports
        first = dt.datetime.combine(dt.date(year, 1, 1), dt.time(), tzinfo=self.tz)
        seconds = int((dt.datetime.combine(dt.date(year + 1, 1, 1), dt.time(), tzinfo=self.tz) - first).total_seconds())
        first_buyer = True
        while remaining > 0:
            count = min(remaining, rng.choices(REPORTS_PER_BUYER[0], cum_weights=REPORTS_PER_BUYER[1])[0])
            remaining -= count
            # About 1 % under 18, and at least one in every region and year.
            minor = rng.random() < 0.01 or first_buyer
            first_buyer = False
            name = self._test_person()
            birth: dt.date | None = None
            client: int | None = None
            plans: list[tuple[dt.datetime, _Shift | None, int, int | None]] = []
            for _ in range(count):
                child = None
                shift: _Shift | None = None
                if rng.random() < 0.85:
                    if minor_encounters and rng.random() < 0.035:
                        shift, child = rng.choice(minor_encounters)
                    else:
                        shift = rng.choice(shifts)
                    committed, venue = self._moment(shift)
                else:
                    committed = (first + dt.timedelta(seconds=rng.randrange(seconds))).astimezone(UTC)
                    venue = rng.choice(r.offline_venues)
                plans.append((committed, shift, venue, child))
            plans.sort(key=lambda p: p[0])
            for committed, shift, venue, child in plans:
                day = self._local_day(committed)
                if birth is None:
                    years_old = rng.randint(15, 17) if minor else rng.randint(20, 70)
                    birth = synthetic.birth_date(rng, day, years_old)
                age = age_on(birth, day)
                encounter = concern = None
                if shift is not None:
                    band = AgeBand.UNDER_18 if is_minor(age) else AgeBand.ADULT
                    encounter, concern = self._encounter(r, shift, EncounterRole.BUYER, band, committed, venue)
                if is_minor(age) and concern is None:
                    concern = self._concern(
                        r, None, ConcernSubject.BUYER, committed, reporter=r.investigator, reporter_agency=r.police
                    )
                offence = synthetic.buyer_offence(rng, with_a_child=child is not None, attempts=0.15)
                report = self._report(
                    r, offence=offence, committed=committed, venue=venue, shift=shift,
                    status=rng.choices(REPORT_STATUSES[0], cum_weights=REPORT_STATUSES[1])[0], aware=AgeAwareness.UNKNOWN if child else "",
                )
                self.suspects.add(
                    (self.ids.next(Suspect), report, name, birth,
                     person_key_for(personnummer="", name=name, birth_date=birth), age, SuspectRole.BUYER,
                     encounter, concern, r.investigator, committed)
                )
                if child is not None:
                    self.parties.add((self.ids.next(CrimeReportParty), report, child, PartyKind.INJURED_PARTY, r.officer, committed))
                elif shift is not None and shift.pk in adult_at_shift and rng.random() < 0.5:
                    self.parties.add(
                        (self.ids.next(CrimeReportParty), report, adult_at_shift[shift.pk], PartyKind.WITNESS, r.officer, committed)
                    )
                if concern is not None:
                    # The young buyer becomes social services' client and is referred.
                    if client is None:
                        client = self._client(r, committed, age=age, minor=True)
                        self._refer(r, client, day)
                    self.concern_links.add((self.ids.next(ConcernClientLink), concern, client, r.worker, committed))

    def _organisers(self, r: _Region, shifts: list[_Shift], adult_at_shift: dict[int, int]) -> None:
        rng = self.rng
        for _ in range(self.sizes.organiser_reports):
            key = rng.choices(ORGANISER_OFFENCES[0], cum_weights=ORGANISER_OFFENCES[1])[0]
            shift = rng.choice(shifts)
            committed, venue = self._moment(shift)
            trafficking = key == "brb-4-1a"
            report = self._report(
                r, offence=key, committed=committed, venue=venue, shift=shift,
                status=CrimeReportStatus.PRELIMINARY_INVESTIGATION,
                purpose=TraffickingPurpose.SEXUAL if trafficking else "",
                victim_age=AgeBand.ADULT if trafficking else "",
            )
            name = self._test_person()
            day = self._local_day(committed)
            birth = synthetic.birth_date(rng, day, rng.randint(25, 55))
            self.suspects.add(
                (self.ids.next(Suspect), report, name, birth, person_key_for(personnummer="", name=name, birth_date=birth),
                 age_on(birth, day), SuspectRole.ORGANISER, None, None, r.investigator, committed)
            )
            if shift.pk in adult_at_shift:
                kind = PartyKind.INJURED_PARTY if trafficking else PartyKind.WITNESS
                self.parties.add((self.ids.next(CrimeReportParty), report, adult_at_shift[shift.pk], kind, r.officer, committed))


# --- Removing it again ------------------------------------------------------------------------


def delete_scale_data(using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every row of the scale data, children first, by plain SQL (millions of rows).

    A row elsewhere that still points at scale data (a disclosure, say) makes
    this fail on its foreign key rather than disappear with it.
    """
    connection = connections[using]
    quote = connection.ops.quote_name

    def table(model: type[models.Model]) -> str:
        return quote(model._meta.db_table)

    # Table names come from the models, values are parameters.
    collaborations = f"SELECT id FROM {table(Collaboration)} WHERE code LIKE %s"  # noqa: S608  table names from the models, values as parameters
    agencies = f"SELECT id FROM {table(Agency)} WHERE code LIKE %s"  # noqa: S608  table names from the models, values as parameters
    reports = f"SELECT id FROM {table(CrimeReport)} WHERE collaboration_id IN ({collaborations})"  # noqa: S608  table names from the models, values as parameters
    clients = f"SELECT id FROM {table(Client)} WHERE agency_id IN ({agencies})"  # noqa: S608  table names from the models, values as parameters
    shifts = f"SELECT id FROM {table(Shift)} WHERE collaboration_id IN ({collaborations})"  # noqa: S608  table names from the models, values as parameters
    users = f"SELECT id FROM {table(User)} WHERE username LIKE %s"  # noqa: S608  table names from the models, values as parameters
    areas = f"SELECT id FROM {table(Area)} WHERE code LIKE %s"  # noqa: S608  table names from the models, values as parameters
    steps: list[tuple[type[models.Model], str, str]] = [
        (Suspect, "crime_report_id", reports),
        (CrimeReportParty, "crime_report_id", reports),
        (CrimeReport, "collaboration_id", collaborations),
        (SupportAction, "client_id", clients),
        (Referral, "client_id", clients),
        (ConcernClientLink, "client_id", clients),
        (ConcernHandling, "agency_id", agencies),
        (ClientEncounter, "client_id", clients),
        (AgeAssessment, "client_id", clients),
        (ClientIdentifier, "client_id", clients),
        (Client, "agency_id", agencies),
        (ChildConcernReport, "collaboration_id", collaborations),
        (Encounter, "collaboration_id", collaborations),
        (ShiftParticipant, "shift_id", shifts),
        (ShiftLogEntry, "shift_id", shifts),
        (Shift.planned_venues.through, "shift_id", shifts),
        (Shift, "collaboration_id", collaborations),
        (Venue, "collaboration_id", collaborations),
        (Operation, "collaboration_id", collaborations),
        (SupportUnit, "agency_id", agencies),
        (Membership.areas.through, "membership_id", f"SELECT id FROM {table(Membership)} WHERE user_id IN ({users})"),  # noqa: S608  table names from the models, values as parameters
        (Membership, "user_id", users),
        (User, "id", users),
        (Area, "parent_id", areas),
        (Area, "id", areas),
        (Collaboration.agencies.through, "collaboration_id", collaborations),
        (Collaboration, "id", collaborations),
        (Agency, "id", agencies),
    ]
    like = f"{PREFIX}%"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for model, column, subquery in steps:
            # One LIKE parameter per PREFIX pattern in the subquery.
            cursor.execute(
                f"DELETE FROM {table(model)} WHERE {quote(column)} IN ({subquery})",  # noqa: S608  table and column names from the models, quoted
                [like] * subquery.count("LIKE %s"),
            )
