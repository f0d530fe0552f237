"""Deterministic demo data: the Stockholm collaboration from 2020 to last year, and a live present.

The years 2020–2025 are built so that the results definitions
(``samverkan.reports.definitions``) give, for 2021, exactly the figures of
the press release in ``shared/seed``: 117 joint shifts; 10 minors found in
prostitution, all referred; 240 adults found, all informed of support; 220
persons reported for buying sex, 3 of them under 18 and all referred.
2020 (the collaboration began in the spring) and the later years differ, so
that trends show, and the results page's default year (last year) has figures.
A few shifts around today make the field pages usable in the demo.

The story is the press release's: the joint shifts of the police and the
city's social workers are in Stockholm city's local police areas (Norrmalm
and Södermalm, and Farsta, Globen and Järva, which lie in the city). The
police's own targeted operations — insats Torsk in Norrmalm and Södermalm,
other operations in Farsta, Globen, Järva and Botkyrka (another
municipality) — are operations of kind ``police``: their shifts are staffed
by the police alone and are not joint shifts (``reports.definitions``).

Ages are as the actions would freeze them: a minor's professional assessment
establishes the age at the encounter (``ClientEncounter.age_band``), while a
person recorded with an uncertain age has only a stated one and stays
uncertain. In the last year one person met with an uncertain age is later
shown by a passport to be an adult: counted with the adults, the
child-concern report kept.

History is written directly with the models (it did not happen through the
UI, so it leaves no audit trail), keeping the invariants the actions keep:
every encounter with a possible minor has a child-concern report, every
suspect under 18 has one, ages at encounters and offences are frozen.

Tips and intelligence (networks of synthetic ads) are added last by
``samverkan.demo.intel``, through the intel app's own functions.

Everything is synthetic: names are "Testperson NNNN", pseudonyms are
invented, addresses are on made-up streets, nobody has a personnummer.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from samverkan.accounts.models import Agency, Area, Collaboration, Role, User
from samverkan.demo import synthetic
from samverkan.investigations.models import (
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    PartyKind,
    Suspect,
    SuspectRole,
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
    OperationKind,
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
    established_band,
)

SEED = 2021
T = TypeVar("T")


@dataclass(frozen=True)
class YearPlan:
    """What one year must add up to (the published figures and what lies behind them)."""

    first_day: dt.date
    shifts: int  # completed joint shifts
    cancelled: int
    minors: int  # distinct persons under 18 (or possibly) found in prostitution
    minors_uncertain: int  # of them recorded with uncertain age
    adults: int  # distinct adults found in prostitution
    adults_met_again: int  # adults met on more than one shift
    buyers: int  # distinct persons reported for buying sex
    buyers_reported_twice: int
    minor_buyers: int  # of them under 18 at the offence
    child_purchases: int  # 6:9 reports (the buyer met on a shift with a minor)
    procuring: int  # 6:12 reports against organisers
    trafficking: int  # 4:1 a reports


PLANS: dict[int, YearPlan] = {
    2020: YearPlan(dt.date(2020, 4, 1), 64, 5, 6, 1, 151, 20, 131, 5, 1, 1, 3, 1),
    2021: YearPlan(dt.date(2021, 1, 1), 117, 8, 10, 2, 240, 48, 220, 10, 3, 2, 6, 2),
    2022: YearPlan(dt.date(2022, 1, 1), 131, 9, 8, 1, 262, 55, 243, 12, 2, 2, 7, 2),
    # Lighter years, so that loading the demo stays quick; the trend is what they show.
    2023: YearPlan(dt.date(2023, 1, 1), 124, 7, 9, 2, 118, 20, 109, 5, 2, 1, 4, 1),
    2024: YearPlan(dt.date(2024, 1, 1), 109, 6, 7, 1, 104, 18, 97, 4, 1, 1, 3, 1),
    2025: YearPlan(dt.date(2025, 1, 1), 126, 8, 11, 3, 121, 22, 112, 6, 2, 2, 5, 2),
}
# The year in which a person first recorded with an uncertain age is shown by a passport to be 19.
AGE_REVISED_YEAR = 2025

# The joint shifts: Stockholm city's local police areas of the 2021 structure, with their share.
AREA_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("lpo-norrmalm", 36),
    ("lpo-sodermalm", 26),
    ("lpo-farsta", 12),
    ("lpo-globen", 13),
    ("lpo-jarva", 13),
)
# The police's own targeted operations (not joint shifts), their areas and shifts a year.
POLICE_OPERATIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "Insats Torsk": (("lpo-norrmalm", "lpo-sodermalm"), 24),
    "Riktad insats Söder": (("lpo-farsta", "lpo-globen", "lpo-botkyrka"), 10),
    "Riktad insats Järva": (("lpo-jarva",), 6),
}
POLICE_AREAS = ("lpo-norrmalm", "lpo-sodermalm", "lpo-farsta", "lpo-globen", "lpo-jarva", "lpo-botkyrka")
# The police areas that took over the demo's areas from 2025 (accounts/reference/stockholm.py).
SUCCESSORS = {"lpo-norrmalm": "lpo-norra-innerstaden", "lpo-sodermalm": "lpo-sodermalm-2025"}
OPERATIONS = {
    "Insats Torsk": "Polisens egen insats mot sexköp i Norrmalm och Södermalm, som ingår i samverkansavtalet.",
    "Riktad insats Söder": "Riktade insatser mot prostitution och människohandel i Farsta, Globen och Botkyrka.",
    "Riktad insats Järva": "Riktade insatser mot prostitution och människohandel i Järva.",
}
STREETS = ("Demogatan", "Exempelvägen", "Påhittade gränd", "Testallén", "Fiktivgatan", "Provvägen")
VENUE_KINDS: tuple[tuple[str, str, int], ...] = (
    (VenueKind.HOTEL, "Hotell {name}", 3),
    (VenueKind.SHORT_TERM_RENTAL, "Korttidslägenhet {street}", 3),
    (VenueKind.MASSAGE_PARLOUR, "Massagesalong {name}", 2),
    (VenueKind.STREET, "Gatumiljö {area}", 1),
    (VenueKind.ONLINE, "Annonssajt {letter} (demo)", 1),
    (VenueKind.OTHER, "Lokal {name}", 1),
)
NAME_WORDS = ("Aurora", "Borealis", "Citadell", "Duvan", "Eken", "Fyren", "Gläntan", "Hamnen", "Iris", "Juno", "Kompassen", "Lunden")
PSEUDONYM_WORDS = ("Ros", "Vinter", "Lilja", "Sol", "Hav", "Sky", "Lärka", "Vind", "Mossa", "Ek", "Björk", "Storm", "Svala", "Regn")
LANGUAGES = ("svenska", "rumänska", "engelska", "spanska", "thailändska", "ungerska", "nigerianska (engelska)", "ryska")


class Demo:
    """Builds the demo data in one transaction. ``build()`` is the entry point."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        self.rng = random.Random(SEED)
        self.tz = timezone.get_current_timezone()
        self.today = today or timezone.localdate()
        self.collaboration = Collaboration.objects.get(code="stockholm")
        self.police = Agency.objects.get(code="polisregion-stockholm")
        self.social = Agency.objects.get(code="stockholms-stad")
        self.officer = User.objects.get(username="polis.inre")
        self.investigator = User.objects.get(username="polis.utredare")
        self.worker = User.objects.get(username="soc.handlaggare")
        self.areas = {code: Area.objects.get(code=code) for code in POLICE_AREAS}
        self.offences = {o.key: o for o in Offence.objects.all()}
        self.units = {u.code: u for u in SupportUnit.objects.all()}
        self.operations: dict[str, Operation] = {}
        self.venues: dict[str, list[Venue]] = {}
        self.case_serial = 0
        self.person_serial = 0
        self.client_pool: list[Client] = []
        self.planned: dict[int, list[Venue]] = {}  # each shift's planned venues

    # --- helpers -----------------------------------------------------------------

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(hours=hour, minutes=minute)

    def case_number(self, year: int) -> str:
        self.case_serial += 1
        return synthetic.case_number(self.case_serial, year)

    def test_person(self) -> str:
        self.person_serial += 1
        return f"Testperson {self.person_serial:04d}"

    # --- reference-like demo data ----------------------------------------------------

    def build_operations_and_venues(self) -> None:
        for name, description in OPERATIONS.items():
            self.operations[name], _ = Operation.objects.get_or_create(
                collaboration=self.collaboration, name=name,
                defaults={"description": description, "starts_on": dt.date(2020, 4, 1), "kind": OperationKind.POLICE},
            )
        letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        for code, area in self.areas.items():
            venues = []
            for kind, pattern, count in VENUE_KINDS:
                for i in range(count):
                    street = f"{self.pick(STREETS)} {self.rng.randint(1, 90)}"
                    name = pattern.format(name=self.pick(NAME_WORDS) + ("" if i == 0 else f" {i + 1}"), street=street, area=area.name, letter=next(letters, "Z"))
                    address = f"annonssajt-{name[-8:-7].lower()}.example" if kind == VenueKind.ONLINE else f"{street}, Stockholm"
                    venue = Venue(collaboration=self.collaboration, kind=kind, name=name, address=address, area=area)
                    venue.search_key = venue.compute_search_key()
                    existing = Venue.objects.filter(collaboration=self.collaboration, kind=kind, search_key=venue.search_key).first()
                    if existing is None:
                        venue.save()
                        existing = venue
                    venues.append(existing)
            self.venues[code] = venues

    # --- shifts -------------------------------------------------------------------------

    def shift_days(self, plan: YearPlan, year: int, count: int) -> list[dt.date]:
        last = min(dt.date(year, 12, 31), self.today - dt.timedelta(days=1))
        span = (last - plan.first_day).days + 1
        return sorted(plan.first_day + dt.timedelta(days=self.rng.randrange(span)) for _ in range(count))

    def make_shift(
        self, day: dt.date, status: str, *, start_hour: int | None = None, police_operation: str | None = None
    ) -> Shift:
        """A joint shift in one of the city's police areas, or a shift of one of the police's own operations."""
        if police_operation is None:
            code = self.rng.choices([c for c, _w in AREA_WEIGHTS], [w for _c, w in AREA_WEIGHTS])[0]
            operation = None
        else:
            code = self.pick(POLICE_OPERATIONS[police_operation][0])
            operation = self.operations[police_operation]
        area = self.areas[code]
        if area.valid_to is not None and day > area.valid_to:
            area = Area.objects.get(code=SUCCESSORS[code])  # the police area of that day
        hour = start_hour if start_hour is not None else self.pick((10, 14, 18, 19, 20, 21))
        starts = self.at(day, hour)
        basis = self.rng.choices([ShiftBasis.OUTREACH, ShiftBasis.INTELLIGENCE, ShiftBasis.TIP], [50, 35, 15])[0]
        shift = Shift.objects.create(
            collaboration=self.collaboration,
            operation=operation,
            area=area,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=self.pick((4, 5, 6, 7))),
            basis=basis,
            status=status,
            briefing="Uppsökande arbete på hotell och i korttidslägenheter." if basis == ShiftBasis.OUTREACH else "Kontroll utifrån inkomna uppgifter.",
            created_by=self.officer,
            created_at=starts - dt.timedelta(days=self.rng.randint(1, 14)),
            started_at=starts if status in (ShiftStatus.COMPLETED, ShiftStatus.ONGOING) else None,
            completed_at=starts + dt.timedelta(hours=6) if status == ShiftStatus.COMPLETED else None,
            cancel_reason="Personalbrist" if status == ShiftStatus.CANCELLED else "",
        )
        planned = self.rng.sample(self.venues[code], 3)
        shift.planned_venues.set(planned)
        self.planned[shift.pk] = planned
        # Field staff, checked in when the shift began (completing it needs that): a joint shift
        # has both agencies' staff, the police's own operation police only.
        there = status in (ShiftStatus.COMPLETED, ShiftStatus.ONGOING)
        second = (
            (self.worker, self.social, Role.SOCIAL_WORKER)
            if operation is None
            else (self.investigator, self.police, Role.POLICE_INVESTIGATOR)
        )
        ShiftParticipant.objects.bulk_create(
            [
                ShiftParticipant(
                    shift=shift, user=user, agency=agency, role=role,
                    checked_in_at=starts if there else None, checked_out_at=shift.completed_at,
                )
                for user, agency, role in ((self.officer, self.police, Role.POLICE_OFFICER), second)
            ]
        )
        return shift

    def encounter(self, shift: Shift, role: str, age_band: str, *, minute: int | None = None, recorder: User | None = None) -> Encounter:
        recorder = recorder or (self.worker if role == EncounterRole.EXPLOITED else self.officer)
        length = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
        occurred = shift.starts_at + dt.timedelta(minutes=minute if minute is not None else self.rng.randrange(15, length - 10))
        venue = self.pick(self.planned.get(shift.pk) or list(shift.planned_venues.all()))
        encounter = Encounter.objects.create(
            collaboration=self.collaboration, shift=shift, venue=venue, role=role, age_band=age_band,
            occurred_at=occurred, recorded_by=recorder,
            recorder_agency=self.police if recorder == self.officer else self.social, recorded_at=occurred,
        )
        subject = concern_subject(role, age_band)
        if subject is not None:
            ChildConcernReport.objects.create(
                collaboration=self.collaboration, encounter=encounter, subject=subject,
                reporter_agency=encounter.recorder_agency, reported_by=recorder, addressed_to=self.social,
                created_at=occurred, guardians_to_notify=subject == ConcernSubject.BUYER,
            )
        return encounter

    # --- social services ---------------------------------------------------------------

    def new_client(self, created: dt.datetime, *, age: int, minor: bool, established: bool = True) -> Client:
        """A client with an age: a minor's assessed by a professional (or, not ``established``,
        only stated), an adult's stated as a range."""
        pseudonym = f"{self.pick(PSEUDONYM_WORDS)} {self.rng.randint(10, 999)}"
        client = Client(
            agency=self.social, pseudonym=pseudonym, language=self.pick(LANGUAGES),
            protected_identity=self.rng.random() < 0.03, created_by=self.worker, created_at=created,
        )
        client.pseudonym_key = client.compute_pseudonym_key()
        client.save()
        ClientIdentifier.objects.create(client=client, agency=self.social, kind=IdentifierKind.NONE, added_by=self.worker, added_at=created)
        AgeAssessment.objects.create(
            client=client, min_years=age, max_years=age if minor else age + 3,
            basis=AgeBasis.PROFESSIONAL if minor and established else AgeBasis.STATED, assessed_on=created.date(),
            assessed_by=self.worker, recorded_at=created,
        )
        return client

    def link(self, client: Client, encounter: Encounter, age: int | None) -> None:
        ClientEncounter.objects.create(
            client=client, encounter=encounter, age_years=age,
            age_source=AgeSource.ASSESSMENT if age is not None else AgeSource.UNKNOWN,
            age_band=established_band(client, timezone.localdate(encounter.occurred_at)),
            linked_by=self.worker, linked_at=encounter.occurred_at,
        )

    def refer(self, client: Client, day: dt.date, unit_code: str, *, to: ChildConcernReport | None = None) -> None:
        unit = self.units[unit_code]
        received = day + dt.timedelta(days=self.rng.randint(0, 3))
        closed = received + dt.timedelta(days=self.rng.randint(20, 120))
        done = closed < self.today
        Referral.objects.create(
            client=client, agency=self.social, unit=unit,
            status=ReferralStatus.CLOSED if done else ReferralStatus.RECEIVED,
            sent_on=day, received_on=received, closed_on=closed if done else None,
            referred_by=self.worker, updated_by=self.worker,
        )
        if to is not None:
            self.handle_concern(to, client, closed=done)

    def handling(self, report: ChildConcernReport, **fields: Any) -> ConcernHandling:
        """Social services' handling of ``report`` so far, by the demo's social worker."""
        return ConcernHandling.objects.create(report=report, agency=report.addressed_to, handled_by=self.worker, **fields)

    def handle_concern(self, report: ChildConcernReport, client: Client | None, *, closed: bool) -> None:
        created = report.created_at
        decided = created + dt.timedelta(days=self.rng.randint(2, 12))
        finished = created + dt.timedelta(days=self.rng.randint(60, 115)) if closed else None
        self.handling(
            report,
            status=ConcernStatus.CLOSED if closed else ConcernStatus.INVESTIGATING,
            protection_assessed_at=created + dt.timedelta(hours=3),
            protection_assessment="Skyddsbedömning gjord samma natt; barnet placerat i trygghet.",
            decision=ConcernDecision.OPEN,
            decided_at=decided,
            investigation_closed_at=finished,
            closed_at=finished,
        )
        if client is not None:
            ConcernClientLink.objects.get_or_create(report=report, defaults={"client": client, "linked_by": self.worker})

    def inform(self, client: Client, encounter: Encounter) -> None:
        day = timezone.localdate(encounter.occurred_at)
        SupportAction.objects.create(
            client=client, agency=self.social, encounter=encounter, kind=SupportActionKind.INFORMED,
            happened_on=day, performed_by=self.worker, note="Information om Mikamottagningen och samhällets stöd.",
        )
        follow = self.rng.random()
        if follow < 0.35:
            SupportAction.objects.create(
                client=client, agency=self.social, encounter=encounter,
                kind=SupportActionKind.ACCEPTED if follow < 0.15 else SupportActionKind.DECLINED,
                happened_on=day, performed_by=self.worker,
            )

    # --- police ----------------------------------------------------------------------------

    def crime_report(self, shift: Shift, encounter: Encounter, offence_key: str, *, status: str | None = None) -> CrimeReport:
        day = timezone.localdate(encounter.occurred_at)
        return CrimeReport.objects.create(
            agency=self.police, collaboration=self.collaboration, case_number=self.case_number(day.year),
            offence=self.offences[offence_key], committed_at=encounter.occurred_at, venue=encounter.venue, shift=shift,
            status=status or self.rng.choices(
                [CrimeReportStatus.SUMMARY_PENALTY, CrimeReportStatus.PROSECUTION, CrimeReportStatus.CLOSED, CrimeReportStatus.PRELIMINARY_INVESTIGATION],
                [55, 20, 15, 10],
            )[0],
            narrative="Påträffad vid kontroll under samverkanspass.",
            created_by=self.officer, created_at=encounter.occurred_at,
            # Its last status reached some weeks after the offence (the retention of a closed report runs from then).
            status_changed_at=min(encounter.occurred_at + dt.timedelta(days=45), timezone.now()),
        )

    def suspect(self, report: CrimeReport, *, name: str, birth: dt.date, encounter: Encounter | None, role: str = SuspectRole.BUYER) -> Suspect:
        committed_on = timezone.localdate(report.committed_at)
        return Suspect.objects.create(
            crime_report=report, name=name, birth_date=birth,
            person_key=person_key_for(personnummer="", name=name, birth_date=birth),
            age_at_offence=age_on(birth, committed_on), role=role, encounter=encounter,
            child_concern_report=encounter.concern_reports.first() if encounter is not None and is_minor(age_on(birth, committed_on)) else None,
            created_by=self.officer, created_at=report.committed_at,
        )

    def birth_date(self, committed: dt.date, age: int) -> dt.date:
        # Born so that the age on the offence day is exactly ``age``.
        return synthetic.birth_date(self.rng, committed, age)

    # --- a year ------------------------------------------------------------------------------

    def build_year(self, year: int, plan: YearPlan) -> None:
        shifts = [self.make_shift(day, ShiftStatus.COMPLETED) for day in self.shift_days(plan, year, plan.shifts)]
        for day in self.shift_days(plan, year, plan.cancelled):
            self.make_shift(day, ShiftStatus.CANCELLED)

        minor_encounters = self.build_minors(plan, shifts)
        self.build_adults(plan, shifts)
        self.build_buyers(year, plan, shifts, minor_encounters)
        self.build_organisers(plan, shifts)
        self.build_police_operations(year, plan)
        if year == AGE_REVISED_YEAR:
            self.build_age_revised(shifts)
        for shift in self.rng.sample(shifts, min(12, len(shifts))):
            self.encounter(shift, EncounterRole.OTHER, AgeBand.ADULT, recorder=self.officer)
            ShiftLogEntry.objects.create(shift=shift, author=self.officer, text="Kontroll av planerade platser genomförd.", written_at=shift.ends_at - dt.timedelta(minutes=20))

    def build_minors(self, plan: YearPlan, shifts: list[Shift]) -> list[tuple[Shift, Encounter]]:
        out = []
        for i in range(plan.minors):
            shift = self.pick(shifts)
            band = AgeBand.UNCERTAIN if i < plan.minors_uncertain else AgeBand.UNDER_18
            encounter = self.encounter(shift, EncounterRole.EXPLOITED, band)
            age = self.rng.randint(15, 17)
            client = self.new_client(encounter.occurred_at, age=age, minor=True, established=band == AgeBand.UNDER_18)
            self.link(client, encounter, age)
            report = encounter.concern_reports.get()
            unit = "sthlm-ungdomsjouren" if i % 2 == 0 else "sthlm-stadsdelens-socialtjanst"
            self.refer(client, timezone.localdate(encounter.occurred_at), unit, to=report)
            out.append((shift, encounter))
        return out

    def build_adults(self, plan: YearPlan, shifts: list[Shift]) -> None:
        # Some people met in earlier years are met again: they count once per year.
        returning = self.rng.sample(self.client_pool, min(len(self.client_pool), plan.adults // 5))
        fresh = plan.adults - len(returning)
        people: list[Client | None] = [*returning, *([None] * fresh)]
        this_year = []
        for index, existing in enumerate(people):
            visits = self.rng.randint(2, 3) if index < plan.adults_met_again else 1
            for visit in range(visits):
                shift = self.pick(shifts)
                encounter = self.encounter(shift, EncounterRole.EXPLOITED, AgeBand.ADULT)
                age = self.rng.randint(19, 45)
                if existing is None:
                    existing = self.new_client(encounter.occurred_at, age=age, minor=False)
                self.link(existing, encounter, age)
                if visit == 0:
                    self.inform(existing, encounter)
            assert existing is not None
            this_year.append(existing)
        self.client_pool = list({c.pk: c for c in [*self.client_pool, *this_year]}.values())

    def build_buyers(self, year: int, plan: YearPlan, shifts: list[Shift], minors: list[tuple[Shift, Encounter]]) -> None:
        for index in range(plan.buyers):
            minor_buyer = index < plan.minor_buyers
            child_purchase = plan.minor_buyers <= index < plan.minor_buyers + plan.child_purchases
            twice = plan.buyers - plan.buyers_reported_twice <= index
            name = self.test_person()
            birth: dt.date | None = None
            for report_index in range(2 if twice else 1):
                if child_purchase and report_index == 0:
                    shift, child = minors[index % len(minors)]
                else:
                    shift, child = self.pick(shifts), None
                band = AgeBand.UNDER_18 if minor_buyer else AgeBand.ADULT
                encounter = self.encounter(shift, EncounterRole.BUYER, band)
                committed = timezone.localdate(encounter.occurred_at)
                if birth is None:
                    birth = self.birth_date(committed, self.rng.randint(16, 17) if minor_buyer else self.rng.randint(20, 66))
                offence = synthetic.buyer_offence(self.rng, with_a_child=child is not None, attempts=0.2)
                report = self.crime_report(shift, encounter, offence)
                suspect = self.suspect(report, name=name, birth=birth, encounter=encounter)
                if child is not None:
                    report.buyer_aware_of_age = "unknown"
                    report.save(update_fields=["buyer_aware_of_age"])
                    CrimeReportParty.objects.create(crime_report=report, encounter=child, kind=PartyKind.INJURED_PARTY, created_by=self.officer)
                else:
                    seller = Encounter.objects.filter(shift=shift, role=EncounterRole.EXPLOITED, age_band=AgeBand.ADULT).first()
                    if seller is not None:
                        CrimeReportParty.objects.create(crime_report=report, encounter=seller, kind=PartyKind.WITNESS, created_by=self.officer)
                if minor_buyer:
                    young = self.new_client(encounter.occurred_at, age=suspect.age_at_offence, minor=True)
                    assert suspect.child_concern_report is not None
                    self.refer(young, committed, "sthlm-stadsdelens-socialtjanst", to=suspect.child_concern_report)

    def build_organisers(self, plan: YearPlan, shifts: list[Shift]) -> None:
        for key, count in (("brb-6-12", plan.procuring), ("brb-4-1a", plan.trafficking)):
            for _ in range(count):
                shift = self.pick(shifts)
                exploited = Encounter.objects.filter(shift=shift, role=EncounterRole.EXPLOITED).first()
                anchor = exploited or self.encounter(shift, EncounterRole.OTHER, AgeBand.ADULT)
                report = self.crime_report(shift, anchor, key, status=CrimeReportStatus.PRELIMINARY_INVESTIGATION)
                if key == "brb-4-1a":
                    report.trafficking_purpose = "sexual"
                    report.trafficking_victim_age = "adult"
                    report.save(update_fields=["trafficking_purpose", "trafficking_victim_age"])
                committed = timezone.localdate(report.committed_at)
                self.suspect(report, name=self.test_person(), birth=self.birth_date(committed, self.rng.randint(25, 50)), encounter=None, role=SuspectRole.ORGANISER)

    def build_police_operations(self, year: int, plan: YearPlan) -> None:
        """The police's own targeted operations: shifts of the police alone, not joint shifts."""
        for name, (_areas, count) in POLICE_OPERATIONS.items():
            share = count if year != 2020 else count // 2
            for day in self.shift_days(plan, year, share):
                shift = self.make_shift(day, ShiftStatus.COMPLETED, police_operation=name)
                ShiftLogEntry.objects.create(
                    shift=shift, author=self.officer, written_at=shift.ends_at - dt.timedelta(minutes=30),
                    text=f"{name}: kontroll av annonserade platser, polisens egen insats.",
                )

    def build_age_revised(self, shifts: list[Shift]) -> None:
        """One person met with an uncertain age, shown by a passport three weeks later to be 19.

        The statistics count them with the adults (informed of support); the child-concern
        report filed at the encounter stands, handled and closed.
        """
        shift = shifts[len(shifts) // 2]
        encounter = self.encounter(shift, EncounterRole.EXPLOITED, AgeBand.UNCERTAIN)
        client = self.new_client(encounter.occurred_at, age=19, minor=False)
        met_on = timezone.localdate(encounter.occurred_at)
        AgeAssessment.objects.create(
            client=client, min_years=19, max_years=19, basis=AgeBasis.DOCUMENTS,
            assessed_on=met_on + dt.timedelta(days=21), assessed_by=self.worker,
            note="Pass uppvisat.", recorded_at=encounter.occurred_at + dt.timedelta(days=21),
        )
        self.link(client, encounter, 19)
        self.inform(client, encounter)
        self.handle_concern(encounter.concern_reports.get(), client, closed=True)

    # --- the present -------------------------------------------------------------------------

    def build_present(self) -> None:
        """Shifts around today: a few done this month, one under way, some planned."""
        recent = [self.make_shift(self.today - dt.timedelta(days=d), ShiftStatus.COMPLETED) for d in (24, 17, 10, 3)]
        for days_ago, shift in zip((24, 17, 10, 3), recent, strict=True):
            self.encounter(shift, EncounterRole.EXPLOITED, AgeBand.ADULT)
            self.encounter(shift, EncounterRole.BUYER, AgeBand.ADULT)
            if days_ago in (17, 10, 3):
                # Child-concern reports at every stage: the inbox shows deadlines and what is overdue.
                encounter = self.encounter(shift, EncounterRole.EXPLOITED, AgeBand.UNCERTAIN)
                report = encounter.concern_reports.get()
                if days_ago == 10:
                    self.handling(
                        report,
                        status=ConcernStatus.ASSESSED,
                        protection_assessed_at=report.created_at + dt.timedelta(hours=2),
                        protection_assessment="Ingen akut fara; fortsatt kontakt med Ungdomsjouren.",
                    )
        start_hour = max(0, min(timezone.localtime().hour - 1, 18))
        self.make_shift(self.today, ShiftStatus.ONGOING, start_hour=start_hour)
        for days_ahead in (1, 2, 5, 8):
            self.make_shift(self.today + dt.timedelta(days=days_ahead), ShiftStatus.PLANNED, start_hour=19)
        # An investigation nearing its four-month limit.
        earlier = self.make_shift(self.today - dt.timedelta(days=118), ShiftStatus.COMPLETED)
        encounter = self.encounter(earlier, EncounterRole.EXPLOITED, AgeBand.UNDER_18)
        report = encounter.concern_reports.get()
        self.handling(
            report,
            status=ConcernStatus.INVESTIGATING,
            protection_assessed_at=report.created_at + dt.timedelta(hours=1),
            protection_assessment="Placerad hos släkting i väntan på utredning.",
            decision=ConcernDecision.OPEN,
            decided_at=report.created_at + dt.timedelta(days=3),
        )

    @transaction.atomic
    def build(self, *, progress: Callable[[str], Any] | None = None) -> None:
        self.build_operations_and_venues()
        for year, plan in PLANS.items():
            if progress:
                progress(f"{year}…")
            self.build_year(year, plan)
        self.build_present()
        # Tips and intelligence last: they refer to the shifts and venues, and change none of
        # them. Imported here: the module loads pyarrow and the linkage package.
        from samverkan.demo.intel import DemoIntel

        DemoIntel(today=self.today).build(progress=progress)


def demo_data_present() -> bool:
    return Shift.objects.filter(collaboration__code="stockholm", starts_at__year=2021).exists()
