"""Deterministic demo intelligence: tips from both agencies, and synthetic ads linked into networks.

Called by ``Demo.build`` after the shifts, encounters and reports exist, in the
same transaction. Everything goes through the intel app's own functions, as
the pages would: tips are submitted, assessed, linked and closed with
``samverkan.intel.actions``; the ads are imported from a JSON Lines file with
``importing.import_file`` (so the entities are extracted as at any import) and
linked into networks with ``linking.link_all`` (networks, explaining links,
glue identifiers, indicators). The actions stamp their own "now"; the tips'
times are then set to when they happened in the demo's history, as the
history of ``generate`` is written. The audit trail shows the load itself.

- **Tips.** Every shift planned on a tip (``ShiftBasis.TIP``) gets the tip
  behind it (every ninth shift two), submitted by police officers,
  investigators, social workers and coordinators of both agencies before the
  shift was planned; those of past shifts are closed after the shift. Around
  today there are new tips, assessed ones, tips linked to a venue, an
  operation or a network, two that planned a shift (new planned shifts), a
  few closed without action, and some with a source (``TipSource``: made-up
  names, ``.test`` addresses). The existing shifts, encounters, clients and
  reports are left as they are: the 2021 figures do not move.
- **Intelligence.** ``ITEM_COUNT`` items from the linkage package's generator
  (``samverkan.demo.intel_items``, its own fictional and invalid phone
  numbers, reserved e-mail domains), their year spread over April 2020 –
  December 2022 and their cities moved to the Stockholm area. The generator
  states no ages under 18; two ads of one network are given a sign of youth so
  that the review queue of possible minors is not empty. Two new tips name a
  network's phone number and are added to intelligence and linked at once, as
  on the tip page; the top network gets the analyst's own tip and a planned
  shift as follow-ups, and two indicators are reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db.models import Count
from django.utils import timezone

from samverkan.accounts.models import Agency, Collaboration, User
from samverkan.demo import intel_items
from samverkan.intel import actions, linking
from samverkan.intel.importing import import_file
from samverkan.intel.models import (
    Entity,
    EntityKind,
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    Network,
    NetworkStatus,
    Relevance,
    SourceType,
    Tip,
    Urgency,
)
from samverkan.operations.models import Operation, Shift, ShiftBasis, ShiftStatus, Venue, VenueKind

INTEL_SEED = 2021
# Import and linkage take about ten seconds for 2,500 items on two cores.
ITEM_COUNT = 2500
# The generator's year is spread over the demo's history.
ITEMS_FROM = dt.date(2020, 4, 1)
ITEMS_UNTIL = dt.date(2023, 1, 1)
# Tips older than this are closed after their shift (history); later ones may still be open.
HISTORY_UNTIL = dt.date(2023, 1, 1)

ANALYST = "polis.analytiker"
SUBMITTERS: tuple[tuple[str, int], ...] = (
    ("polis.inre", 4),
    ("soc.handlaggare", 4),
    ("polis.utredare", 1),
    ("polis.samordnare", 1),
    ("soc.samordnare", 1),
)
POLICE_SOURCES = ((SourceType.STAFF, 4), (SourceType.PUBLIC, 2), (SourceType.ONLINE, 2), (SourceType.ANONYMOUS, 1))
SOCIAL_SOURCES = ((SourceType.STAFF, 3), (SourceType.ORGANISATION, 2), (SourceType.PUBLIC, 2), (SourceType.AUTHORITY, 1))
SOURCE_RELATIONS: dict[str, tuple[str, ...]] = {
    SourceType.PUBLIC: ("Granne i huset", "Arbetar i butiken intill", "Boende i området"),
    SourceType.ORGANISATION: ("Uppsökare i ideell organisation", "Volontär på stödlinjen"),
    SourceType.AUTHORITY: ("Handläggare på en annan myndighet", "Tjänsteperson i kommunen"),
    SourceType.STAFF: ("Kollega i yttre tjänst",),
    SourceType.ONLINE: ("Nätspaning",),
}

# Where the generator's cities are moved: Stockholm stays, the others become
# municipalities of the Stockholm area, with spelling variants as the originals.
CITY_MAP: dict[str, tuple[str, ...]] = {
    "Stockholm": ("Stockholm", "STOCKHOLM", "Sthlm", "stockholm"),
    "Göteborg": ("Södertälje", "Sodertalje", "SÖDERTÄLJE", "södertälje"),
    "Malmö": ("Solna", "Solna", "SOLNA"),
    "Uppsala": ("Sundbyberg",),
    "Västerås": ("Huddinge", "Huddinge"),
    "Örebro": ("Botkyrka", "Botkyrka"),
    "Linköping": ("Nacka", "Nacka"),
    "Helsingborg": ("Täby",),
    "Jönköping": ("Järfälla", "Jarfalla"),
    "Norrköping": ("Haninge",),
    "Lund": ("Lidingö",),
    "Umeå": ("Sollentuna", "Sollentuna"),
    "Gävle": ("Tyresö",),
    "Sundsvall": ("Upplands Väsby",),
    "Luleå": ("Norrtälje",),
}
_CITY_WORD = re.compile(r"\b(" + "|".join(re.escape(c) for c in CITY_MAP) + r")\b")

SHIFT_TIP_TEXTS: dict[str, tuple[str, ...]] = {
    VenueKind.HOTEL: (
        "Personal på {name} har sett kvinnor ta emot olika män på rum som bokas en natt i taget.",
        "Samma man bokar rum på {name} åt olika kvinnor, oftast för en natt.",
    ),
    VenueKind.SHORT_TERM_RENTAL: (
        "Grannar hör spring i trapphuset på {address} kvällar och nätter; nya namn på dörren varje vecka.",
        "Lägenheten på {address} hyrs ut kort tid i taget; många besökare sent på kvällen.",
    ),
    VenueKind.MASSAGE_PARLOUR: (
        "{name} har öppet sent och annonser som antyder sexuella tjänster.",
        "Män går in på {name} efter stängningsdags; kvinnorna verkar bo i lokalen.",
    ),
    VenueKind.STREET: (
        "Bilar stannar kort i {name} sent på kvällen; kvinnor kliver i och ur.",
        "En kvinna som verkar mycket ung har setts vänta på bilar i {name}.",
    ),
    VenueKind.ONLINE: (
        "Annonser på {name} erbjuder träffar i området; samma bilder i flera annonser.",
        "Nya annonser på {name} med adresser i området, skrivna på samma sätt.",
    ),
    VenueKind.OTHER: (
        "{name} har trafik av män nattetid; fönstren är igenklistrade.",
        "Kvinnor körs till och från {name} i samma bil varje kväll.",
    ),
}
ASSESSMENTS = (
    "Stämmer med tidigare iakttagelser på platsen; underlag för ett pass.",
    "Trovärdig källa och detaljerade uppgifter; kontrolleras under pass.",
    "Uppgifterna är allmänt hållna men platsen är känd sedan tidigare.",
)
CLOSING_DONE = (
    "Passet genomfördes; uppgifterna kontrollerades på plats.",
    "Kontroll gjord under passet; åtgärder dokumenterade i passets logg.",
)
CLOSING_CANCELLED = "Passet ställdes in; uppgifterna bedömdes inte längre aktuella."
NETWORK_CLOSING = (
    "Kartläggningen av nätverket överlämnad till utredning.",
    "Nätverket har inte annonserat på flera månader; avslutat.",
)

# Tips around today, not behind a shift: (days ago, what, venue kind or "").
NEW_TIPS = (
    (1, "Flera kvinnor tas emot i en korttidslägenhet; nya namn på dörren varje vecka.", VenueKind.SHORT_TERM_RENTAL),
    (2, "En man kör kvinnor mellan två hotell i centrum sent på kvällarna.", VenueKind.HOTEL),
    (3, "Annonser erbjuder träffar i en lägenhet i området; samma bild i flera annonser.", VenueKind.ONLINE),
    (5, "Skolkurator oroar sig för en elev som säger att hon träffar äldre män mot betalning.", ""),
    (8, "Hotellpersonal ser samma kvinna checka in på olika rum med olika män.", VenueKind.HOTEL),
    (11, "Grannar hör trafik i trapphuset hela natten; porten öppnas med en kod som skickas i sms.", VenueKind.SHORT_TERM_RENTAL),
)
ASSESSED_TIPS = (
    (6, "Massagesalong med öppet till midnatt; män går in en och en.", VenueKind.MASSAGE_PARLOUR, Relevance.MEDIUM, Urgency.ROUTINE),
    (9, "Kvinnor hämtas med taxi från samma adress flera gånger per kväll.", VenueKind.SHORT_TERM_RENTAL, Relevance.HIGH, Urgency.SOON),
    (14, "Uppgift om att en ung kvinna hålls i en lägenhet och inte får gå ut själv.", VenueKind.SHORT_TERM_RENTAL, Relevance.HIGH, Urgency.URGENT),
    (21, "Gatumiljön vid en busshållplats används för kontakt med köpare sena kvällar.", VenueKind.STREET, Relevance.LOW, Urgency.ROUTINE),
    (30, "Ny annonssajt med annonser för området; oklart vem som står bakom.", VenueKind.ONLINE, Relevance.MEDIUM, Urgency.ROUTINE),
)
VENUE_TIPS = (
    (24, "Fler besökare än vanligt på {name} efter att passen i området upphörde."),
    (41, "Samma kvinnor ses på {name} som vid förra kontrollen."),
    (57, "Receptionen på {name} har fått frågor om rum per timme."),
)
OPERATION_TIPS = (
    (33, "Annonserna i insatsens område har blivit fler sedan i våras."),
    (48, "Köpare verkar ha flyttat från Norrmalm till Södermalm sedan förra insatsen."),
    (76, "Kvinnor som tidigare setts i Järva förekommer nu i annonser för södra Stockholm."),
)
CLOSED_TIPS = (
    (dt.date(2021, 3, 14), "Misstanke om sexköp i en bil på en parkeringsplats.", "Kunde inte bekräftas; platsen kontrollerad utan iakttagelser."),
    (dt.date(2021, 10, 2), "Okänd person uppges sälja sex i en lägenhet.", "För allmänt hållet för att gå vidare med; ingen adress."),
    (dt.date(2022, 6, 19), "Samma uppgifter som i ett tidigare tips om ett hotell.", "Dubblett av ett tidigare tips som redan är kopplat."),
    (15, "Uppgift om prostitution på en arbetsplats utan adress eller tidpunkt.", "Inte relevant för samverkan; lämnat till arbetsmiljöfrågor."),
)
# (days ago, the shift in how many days, what, venue kind).
PLANNING_TIPS = (
    (4, 4, "Annonser för en ny adress i området; flera kvinnor kommer dit med resväskor.", VenueKind.SHORT_TERM_RENTAL),
    (3, 9, "Hotellet har fått många bokningar för en natt av samma man de senaste veckorna.", VenueKind.HOTEL),
)


def demo_items(n_items: int = ITEM_COUNT, seed: int = INTEL_SEED) -> list[dict[str, Any]]:
    """The generator's items as import records: dates in the demo's history, Stockholm-area cities.

    Deterministic for ``n_items`` and ``seed``. One network's ads get signs of
    youth (a stated age of 17, "nyss fyllt 18"): the generator states none.
    """
    generated = intel_items.generate(n_items, seed=seed)
    rows: list[dict[str, Any]] = generated.items.to_pylist()
    truth = generated.truth_by_id()
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(ITEMS_FROM, dt.time(), tzinfo=tz)
    span = dt.datetime.combine(ITEMS_UNTIL, dt.time(), tzinfo=tz) - start
    year = dt.timedelta(days=intel_items.YEAR_DAYS)
    canonical = {spelling: name for name, _w, spellings in intel_items.CITIES for spelling in spellings}
    for row in rows:
        observed = row["observed_at"]
        if observed is not None:
            moved = start + span * ((observed - intel_items.YEAR_START) / year)
            row["observed_at"] = moved.replace(microsecond=0).isoformat()
        city = row["city"]
        if city:
            name = canonical.get(city, city)
            variants = CITY_MAP.get(name, (city,))
            spellings = next((s for n, _w, s in intel_items.CITIES if n == name), (city,))
            row["city"] = variants[spellings.index(city) % len(variants)] if city in spellings else variants[0]
        for field in ("title", "text"):
            if row[field]:
                row[field] = _CITY_WORD.sub(lambda m: CITY_MAP[m.group(1)][0], row[field])

    # Signs of youth in the ads of one mid-sized network (the first in the generator's order).
    sizes: dict[str, int] = {}
    for key in truth.values():
        sizes[key] = sizes.get(key, 0) + 1
    young = sorted((k for k, n in sizes.items() if 10 <= n <= 40), key=lambda k: int(k[1:]))[:1]
    ads = [r for r in rows if truth[str(r["id"])] in young and r["kind"] == "ad"]
    if len(ads) >= 2:
        ads[0]["age"] = 17
        ads[1]["text"] = "Nyss fyllt 18 och ny i stan. " + (ads[1]["text"] or "")
    return rows


class DemoIntel:
    """Builds the demo's tips and intelligence. ``build()`` is the entry point."""

    def __init__(self, *, today: dt.date | None = None, item_count: int = ITEM_COUNT) -> None:
        self.rng = random.Random(INTEL_SEED)
        self.tz = timezone.get_current_timezone()
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.item_count = item_count
        self.collaboration = Collaboration.objects.get(code="stockholm")
        self.analyst = User.objects.get(username=ANALYST)
        police = self.analyst.agency
        assert police is not None
        self.police: Agency = police
        self.submitters = [(User.objects.get(username=name), weight) for name, weight in SUBMITTERS]
        self.venues = list(
            Venue.objects.filter(collaboration=self.collaboration)
            .select_related("area")
            .order_by("area__code", "kind", "name", "pk")
        )
        self.operations = list(Operation.objects.filter(collaboration=self.collaboration).order_by("name"))
        self.source_serial = 0

    # --- helpers -----------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(hours=hour, minutes=minute)
        return min(moment, self.now - dt.timedelta(minutes=5))

    def days_ago(self, days: int) -> dt.datetime:
        return self.at(self.today - dt.timedelta(days=days), self.rng.randint(8, 20), self.rng.randrange(60))

    def past(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now - dt.timedelta(minutes=5))

    def submitter(self) -> User:
        users = [u for u, _w in self.submitters]
        return self.rng.choices(users, [w for _u, w in self.submitters])[0]

    def venue(self, kind: str = "", *, on: dt.date | None = None) -> Venue:
        """A demo venue of ``kind``; with ``on``, in an area in use that day (the 2025 reform ended two)."""
        venues = [v for v in self.venues if v.kind == kind] or self.venues
        if on is not None:
            venues = [v for v in venues if v.area is not None and v.area.is_valid_on(on)]
        return venues[self.rng.randrange(len(venues))]

    @staticmethod
    def stamp(tip: Tip, **moments: dt.datetime) -> None:
        """Set when it happened in the demo's history (the actions stamp the load's "now")."""
        Tip.objects.filter(pk=tip.pk).update(**moments)

    def source_fields(self, source_type: str) -> dict[str, Any]:
        if source_type == SourceType.ANONYMOUS:
            return {"source_relation": "Ringde och ville inte uppge namn", "wants_anonymity": True}
        self.source_serial += 1
        relations = SOURCE_RELATIONS.get(source_type, ("Okänd relation",))
        return {
            "source_name": f"Testkälla {self.source_serial:03d}",
            "source_contact": f"kalla{self.source_serial:03d}@example.test",
            "source_relation": relations[self.rng.randrange(len(relations))],
            "wants_anonymity": self.rng.random() < 0.3,
        }

    # --- one tip's life ------------------------------------------------------------------------

    def submit(
        self, *, at: dt.datetime, what: str, submitter: User | None = None, venue: Venue | None = None,
        city: str = "Stockholm", with_source: bool = False,
    ) -> Tip:
        submitter = submitter or self.submitter()
        agency = submitter.agency
        choices = POLICE_SOURCES if agency is not None and agency.is_police else SOCIAL_SOURCES
        source_type = self.rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]
        extra = self.source_fields(source_type) if with_source or source_type == SourceType.ANONYMOUS else {}
        observed = at - dt.timedelta(hours=self.rng.randint(3, 96))
        tip = actions.do_submit_tip(
            collaboration=self.collaboration, what=what, source_type=source_type, acting_user=submitter,
            where=f"{venue.name}, {venue.address}"[:300] if venue is not None else "", city=city,
            venue_kind=venue.kind if venue is not None else "", observed_at=observed,
            when_text="" if self.rng.random() < 0.7 else "Flera kvällar i rad", **extra,
        )
        self.stamp(tip, submitted_at=at)
        return tip

    def assess(self, tip: Tip, at: dt.datetime, *, relevance: str | None = None, urgency: str | None = None) -> Tip:
        tip = actions.do_assess_tip(
            tip,
            relevance=relevance or self.rng.choice((Relevance.HIGH, Relevance.MEDIUM)),
            urgency=urgency or self.rng.choice((Urgency.SOON, Urgency.ROUTINE, Urgency.URGENT)),
            assessment=self.rng.choice(ASSESSMENTS), acting_user=self.analyst,
        )
        self.stamp(tip, assessed_at=self.past(at))
        return tip

    def link(self, tip: Tip, at: dt.datetime, **targets: Any) -> Tip:
        tip = actions.do_link_tip(tip, acting_user=self.analyst, **targets)
        self.stamp(tip, linked_at=self.past(at))
        return tip

    def close(self, tip: Tip, at: dt.datetime, note: str) -> Tip:
        tip = actions.do_close_tip(tip, note=note, acting_user=self.analyst)
        self.stamp(tip, closed_at=self.past(at))
        return tip

    # --- the tips behind the shifts ----------------------------------------------------------------

    def tips_behind_shifts(self) -> None:
        shifts = (
            Shift.objects.filter(collaboration=self.collaboration, basis=ShiftBasis.TIP)
            .select_related("operation")
            .prefetch_related("planned_venues")
            .order_by("starts_at", "pk")
        )
        for index, shift in enumerate(shifts):
            venues = sorted(shift.planned_venues.all(), key=lambda v: v.pk)
            venue = venues[self.rng.randrange(len(venues))] if venues else self.venue()
            for _ in range(2 if index % 9 == 4 else 1):
                self.tip_behind(shift, venue)

    def tip_behind(self, shift: Shift, venue: Venue) -> Tip:
        planned = self.past(shift.created_at)
        submitted = planned - dt.timedelta(days=self.rng.randint(1, 6), hours=self.rng.randint(0, 10))
        texts = SHIFT_TIP_TEXTS[venue.kind]
        what = texts[self.rng.randrange(len(texts))].format(name=venue.name, address=venue.address)
        tip = self.submit(at=submitted, what=what, venue=venue, with_source=self.rng.random() < 0.15)
        assessed = submitted + dt.timedelta(hours=self.rng.randint(2, 20))
        self.assess(tip, assessed)
        targets: dict[str, Any] = {"shift": shift, "venue": venue}
        if shift.operation is not None and self.rng.random() < 0.5:
            targets["operation"] = shift.operation
        self.link(tip, max(assessed + dt.timedelta(hours=1), planned), **targets)
        finished = shift.status in (ShiftStatus.COMPLETED, ShiftStatus.CANCELLED)
        closed = shift.ends_at + dt.timedelta(days=self.rng.randint(1, 10))
        history = timezone.localdate(shift.starts_at) < HISTORY_UNTIL
        if finished and (history or closed < self.now - dt.timedelta(days=7)):
            if shift.status == ShiftStatus.CANCELLED:
                note = CLOSING_CANCELLED
            else:
                note = CLOSING_DONE[self.rng.randrange(len(CLOSING_DONE))]
            self.close(tip, closed, note)
        return tip

    # --- tips around today ---------------------------------------------------------------------

    def tips_around_today(self) -> None:
        for days, what, kind in NEW_TIPS:
            self.submit(at=self.days_ago(days), what=what, venue=self.venue(kind) if kind else None,
                        with_source=days in (2, 5))
        for days, what, kind, relevance, urgency in ASSESSED_TIPS:
            at = self.days_ago(days)
            tip = self.submit(at=at, what=what, venue=self.venue(kind), with_source=days == 14)
            self.assess(tip, at + dt.timedelta(hours=self.rng.randint(3, 40)), relevance=relevance, urgency=urgency)
        for days, what in VENUE_TIPS:
            at = self.days_ago(days)
            venue = self.venue(self.rng.choice((VenueKind.HOTEL, VenueKind.SHORT_TERM_RENTAL, VenueKind.MASSAGE_PARLOUR)))
            tip = self.submit(at=at, what=what.format(name=venue.name), venue=venue)
            self.assess(tip, at + dt.timedelta(hours=6))
            self.link(tip, at + dt.timedelta(days=1), venue=venue)
        for (days, what), operation in zip(OPERATION_TIPS, self.operations, strict=False):
            at = self.days_ago(days)
            tip = self.submit(at=at, what=what, with_source=days == 48)
            self.assess(tip, at + dt.timedelta(hours=20))
            self.link(tip, at + dt.timedelta(days=2), operation=operation)
        for when, what, note in CLOSED_TIPS:
            at = self.days_ago(when) if isinstance(when, int) else self.at(when, self.rng.randint(9, 22))
            tip = self.submit(at=at, what=what)
            self.assess(tip, at + dt.timedelta(hours=5), relevance=Relevance.LOW, urgency=Urgency.ROUTINE)
            self.close(tip, at + dt.timedelta(days=2), note)
        for days, ahead, what, kind in PLANNING_TIPS:
            at = self.days_ago(days)
            day = self.today + dt.timedelta(days=ahead)
            venue = self.venue(kind, on=day)
            tip = self.submit(at=at, what=what, venue=venue)
            self.assess(tip, at + dt.timedelta(hours=2), relevance=Relevance.HIGH, urgency=Urgency.SOON)
            assert venue.area is not None
            starts = dt.datetime.combine(day, dt.time(19), tzinfo=self.tz)
            actions.do_plan_shift_from_tip(
                tip, area=venue.area, starts_at=starts, ends_at=starts + dt.timedelta(hours=6),
                acting_user=self.analyst, planned_venues=[venue],
                briefing="Kontroll utifrån inkommet tips; se tipset för detaljer.",
            )
            self.stamp(tip, linked_at=self.past(at + dt.timedelta(hours=3)))

    # --- intelligence ----------------------------------------------------------------------------

    def import_items(self) -> None:
        records = demo_items(self.item_count)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo-annonser-2020-2022.jsonl"
            with path.open("w", encoding="utf-8") as stream:
                for record in records:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            summary = import_file(path, agency=self.police, user=self.analyst)
        if summary.errors:
            raise RuntimeError(f"demo intelligence refused: {summary.errors[:3]}")

    def phone_of(self, network: Network) -> str | None:
        """The network's most used phone number (not glue), written as in an ad."""
        entity = (
            Entity.objects.filter(
                agency=self.police, kind=EntityKind.PHONE, glue__isnull=True,
                item_links__item__membership__network=network,
            )
            .annotate(n=Count("item_links"))
            .order_by("-n", "value")
            .first()
        )
        if entity is None or not entity.value.startswith("+46"):
            return None
        return intel_items.format_phone(entity.value[3:], self.rng.randrange(12))

    def network_tips(self) -> None:
        """Tips about the networks: older ones linked by the analyst, new ones added to intelligence."""
        networks = list(Network.objects.filter(agency=self.police, status=NetworkStatus.ACTIVE).ranked()[:6])
        # New tips naming a network's number: into intelligence, linked at once, as on the tip page.
        for days, network in zip((2, 6), networks[:2], strict=False):
            phone = self.phone_of(network)
            if phone is None:
                continue
            at = self.days_ago(days)
            tip = self.submit(
                at=at, with_source=True,
                what=f"Annonser med numret {phone} har dykt upp igen; kvinnorna i annonserna verkar styras av någon annan.",
            )
            self.assess(tip, at + dt.timedelta(hours=4), relevance=Relevance.HIGH, urgency=Urgency.SOON)
            item = actions.do_tip_to_intel(tip, acting_user=self.analyst)
            found = linking.link_item(item, acting_user=self.analyst)
            self.link(tip, at + dt.timedelta(hours=5), network=found or network)
        # Older tips about networks while they were active, linked, and closed since.
        for number, network in enumerate(networks[2:5]):
            if network.first_seen is None or network.last_seen is None:
                continue
            phone = self.phone_of(network)
            at = self.past(network.first_seen + (network.last_seen - network.first_seen) / 2)
            what = (
                f"Flera annonser med numret {phone}; samma text för olika kvinnor."
                if phone else "Flera annonser med samma text för olika kvinnor."
            )
            tip = self.submit(at=at, what=what)
            self.assess(tip, at + dt.timedelta(hours=8))
            self.link(tip, at + dt.timedelta(days=1), network=network)
            self.close(tip, at + dt.timedelta(days=30), NETWORK_CLOSING[number % len(NETWORK_CLOSING)])
        # The analyst's own tip and a planned shift from the top network (its follow-ups).
        if networks:
            top = networks[0]
            tip = actions.do_tip_from_network(
                top, collaboration=self.collaboration, acting_user=self.analyst,
                what=f"Nätverk {top.key} växer igen; föreslår kontroll av de adresser som förekommer i annonserna.",
            )
            self.stamp(tip, submitted_at=self.days_ago(1))
            day = self.today + dt.timedelta(days=6)
            venue = self.venue(VenueKind.HOTEL, on=day)
            assert venue.area is not None
            starts = dt.datetime.combine(day, dt.time(20), tzinfo=self.tz)
            actions.do_plan_shift_from_network(
                top, collaboration=self.collaboration, area=venue.area, starts_at=starts,
                ends_at=starts + dt.timedelta(hours=5), existing=[venue],
                briefing=f"Kontroll utifrån nätverk {top.key}.", acting_user=self.analyst,
            )

    def review_indicators(self) -> None:
        """A few reviews done, so the queue shows both; possible minors are left for a person."""
        for kind, status, note in (
            (IndicatorKind.THIRD_PARTY_CONTROL, IndicatorStatus.CONFIRMED, "Samma nummer används för flera namn; bekräftat vid kontroll."),
            (IndicatorKind.SHARED_IMAGES, IndicatorStatus.DISMISSED, "Bilderna är bildbanksbilder som förekommer i många annonser."),
        ):
            indicator = (
                Indicator.objects.filter(network__agency=self.police, kind=kind, status=IndicatorStatus.OPEN)
                .order_by("network__key")
                .first()
            )
            if indicator is not None:
                actions.do_review_indicator(indicator, status=status, note=note, acting_user=self.analyst)

    # --- all of it -----------------------------------------------------------------------------

    def build(self, *, progress: Callable[[str], Any] | None = None) -> None:
        say = progress or (lambda _text: None)
        say("tips…")
        self.tips_behind_shifts()
        self.tips_around_today()
        say(f"{self.item_count} intelligence items…")
        self.import_items()
        say("networks…")
        linking.link_all(self.police, acting_user=self.analyst)
        self.network_tips()
        self.review_indicators()

