"""Synthetic intelligence items with known networks, for tests and benchmarks.

Everything here is made up, and meant to be unmistakably so:

- **Phone numbers.** Hotel switchboards and the sites' customer-service
  numbers come from the ranges that the Swedish regulator PTS reserves for
  use in fiction (08-46 50 04 00–99, 031-390 06 00–99, 040-628 04 00–99,
  0980-319 200–299); so do the first 95 networks' first mobile numbers
  (070-174 06 05–99). There are far too few of those for a national volume,
  so every other personal number is drawn from 074-1xx xx xx, a series that
  is not in use for subscribers (``phonenumbers`` reports it as invalid for
  Sweden; a test checks every generated number is fictional or invalid).
- **Names** are built from syllables (``Limara``, ``Sonela``), a few with
  Swedish letters; their frequencies follow Zipf's law, so some are common
  enough to be "glue".
- **E-mail addresses** use the reserved ``.test``/``.invalid`` domains and
  ``example.*``; sites are ``*.example``; streets and hotels are invented.

The hard cases of the issue are all in: shared hotel switchboards (and the
hotels' addresses) printed in ads of many networks, sites' customer-service
numbers in ad footers, numbers written in a dozen ways and inside text, ads
without any phone, reused texts with edits, rotating numbers, booking numbers
shared by a network's workers, and large networks whose own numbers recur in
hundreds of ads. ``generate`` is deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from samverkan.intel.linkage.frames import ITEM_SCHEMA

__all__ = [
    "CS_NUMBER_RANGE",
    "FICTION_RANGES",
    "SWITCHBOARD_RANGES",
    "GeneratedItems",
    "Network",
    "format_phone",
    "generate",
]

# PTS's numbers for fiction, as (area code digits without 0, first subscriber number, count).
FICTION_RANGES = {
    "stockholm": ("8", 46500400, 100),
    "goteborg": ("31", 3900600, 100),
    "malmo": ("40", 6280400, 100),
    "kiruna": ("980", 319200, 100),
    "mobile": ("70", 1740605, 95),
}
SWITCHBOARD_RANGES = ("stockholm", "goteborg", "malmo")
CS_NUMBER_RANGE = "kiruna"
# 074-1xx xx xx: not a subscriber series (phonenumbers: not a valid Swedish number).
BULK_MOBILE_PREFIX = "741"
YEAR_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
YEAR_DAYS = 366

CITIES = (
    ("Stockholm", 0.34, ("Stockholm", "STOCKHOLM", "Sthlm", "stockholm")),
    ("Göteborg", 0.15, ("Göteborg", "Goteborg", "Gbg", "GÖTEBORG")),
    ("Malmö", 0.12, ("Malmö", "Malmo", "MALMÖ")),
    ("Uppsala", 0.06, ("Uppsala",)),
    ("Västerås", 0.04, ("Västerås", "Vasteras")),
    ("Örebro", 0.04, ("Örebro", "Orebro")),
    ("Linköping", 0.04, ("Linköping", "Linkoping")),
    ("Helsingborg", 0.04, ("Helsingborg",)),
    ("Jönköping", 0.03, ("Jönköping", "Jonkoping")),
    ("Norrköping", 0.03, ("Norrköping",)),
    ("Lund", 0.03, ("Lund",)),
    ("Umeå", 0.03, ("Umeå", "Umea")),
    ("Gävle", 0.02, ("Gävle",)),
    ("Sundsvall", 0.02, ("Sundsvall",)),
    ("Luleå", 0.01, ("Luleå",)),
)
SITES = (
    "annonsportalen.example",
    "kontaktsidan.example",
    "mötesplatsen.example",
    "eskortlistan.example",
    "nattguiden.example",
    "dejtkartan.example",
    "snabbkontakt.example",
    "citysidor.example",
)
SYLLABLES = (
    "a", "li", "ra", "ne", "mi", "so", "ka", "ta", "ri", "el", "ly", "na", "va", "jo", "sa",
    "de", "lo", "me", "ni", "ve", "ja", "ma", "le", "ro", "si", "ta", "ki", "mo", "vi", "da",
)  # fmt: skip
SWEDISH_LETTERS = {"a": "å", "o": "ö", "e": "é"}
STREET_PARTS = (
    "Lind", "Björk", "Ask", "Rönn", "Hassel", "Sjö", "Berg", "Äng", "Dal", "Strand", "Kvarn",
    "Smedje", "Fiskar", "Torg", "Kyrk", "Skol", "Park", "Stations", "Hamn", "Bruks",
)  # fmt: skip
HOTEL_WORDS = (
    "Nordstjärnan", "Fyren", "Kompassen", "Ankaret", "Solvik", "Granen", "Blåklockan",
    "Kronan", "Tornet", "Vågen", "Ljuset", "Stjärnfall", "Polstjärnan", "Eken", "Måsen",
)  # fmt: skip
VEHICLE_LETTERS = "ABCDEFGHJKLMNOPRSTUWXYZ"

ADJECTIVES = (
    "söt", "glad", "trevlig", "diskret", "sportig", "charmig", "lugn", "social", "busig",
    "elegant", "mjuk", "rolig", "omtänksam", "nyfiken", "varm", "lekfull", "stilig", "pigg",
)  # fmt: skip
SYNONYMS = {
    "söt": "gullig", "glad": "positiv", "trevlig": "härlig", "diskret": "hemlig",
    "ring": "kontakta", "träffas": "ses", "kväll": "kvällen", "dag": "dagtid",
    "hotell": "hotellet", "lägenhet": "lägenheten", "mig": "mej", "jag": "jag",
    "besök": "besöka", "välkommen": "varmt välkommen", "snart": "inom kort",
}  # fmt: skip
FILLERS = ("verkligen", "mycket", "alltid", "gärna", "just nu", "faktiskt", ":)", "!!", "<3")
PATTERNS = (
    "Hej! Jag heter {name} och är {age} år.",
    "Ny i {city} {when}.",
    "{Adj} och {adj} tjej som gillar {thing}.",
    "Jag tar emot {where} och kan även komma till dig.",
    "Finns tillgänglig {window}.",
    "Välkommen att höra av dig {how}.",
    "Jag är {adj}, {adj2} och alltid {adj3}.",
    "Träffas gärna för {activity} och {activity2}.",
    "Bor {where} nära {landmark}.",
    "Endast {who} svar, tack.",
    "Besök mig {when} så blir det {adj}.",
    "Jag talar {language} och lite {language2}.",
    "Kom och upplev {thing} med mig i {city}.",
    "Perfekt för dig som vill ha {thing}.",
    "Bokningar tas emot {window}.",
    "Kvinna med {feature} och {feature2}.",
    "Min stil är {adj} och {adj2}.",
    "Jag reser mellan {city} och andra städer {when}.",
    "Priset diskuteras vid {how}.",
    "Vi ses {window} i {city}.",
    "Inga dolda nummer, jag svarar {how}.",
    "Jag är här {when} och sedan åker jag vidare.",
    "Massage och {activity} erbjuds {window}.",
    "Du hittar mig {where}.",
    "Skriv till mig {how} så svarar jag snart.",
)  # fmt: skip
SLOTS = {
    "when": ("denna vecka", "bara några dagar", "i helgen", "från måndag", "hela månaden", "nu"),
    "thing": (
        "mys",
        "avkoppling",
        "sällskap",
        "god stämning",
        "äventyr",
        "lugna stunder",
        "skratt",
    ),
    "where": ("på hotell", "i egen lägenhet", "centralt", "i lugnt område", "nära stationen"),
    "window": ("dag och kväll", "sena kvällar", "dygnet runt", "efter klockan 18", "helger"),
    "how": ("via sms", "på telefon", "med mejl", "i chatten", "direkt"),
    "activity": ("middag", "promenad", "massage", "samtal", "dans", "bio", "fika"),
    "landmark": ("centralen", "torget", "parken", "hamnen", "köpcentret", "universitetet"),
    "who": ("seriösa", "vänliga", "respektfulla", "snälla"),
    "language": ("svenska", "engelska", "spanska", "ryska", "rumänska", "thai", "portugisiska"),
    "feature": ("långt hår", "glada ögon", "kurvor", "tatueringar", "fräknar", "lockar"),
}
# Words for the sentences that make a network's texts its own (ads are formulaic, but not identical).
WORDS = (
    "sol", "regn", "hav", "skog", "stad", "natt", "morgon", "kaffe", "te", "vin", "musik", "jazz",
    "film", "bok", "resa", "sommar", "vinter", "höst", "vår", "stjärna", "måne", "blomma", "ros",
    "choklad", "bad", "spa", "yoga", "träning", "löpning", "dans", "sång", "konst", "foto", "mode",
    "skor", "klänning", "parfym", "ljus", "värme", "lugn", "energi", "glädje", "leende", "blick",
    "röst", "hud", "hår", "kropp", "själ", "hjärta", "dröm", "äventyr", "fantasi", "lek", "skratt",
    "mjuk", "varm", "sval", "stark", "söt", "vild", "tyst", "ljus", "mörk", "röd", "blå", "grön",
    "gyllene", "silver", "sammet", "siden", "spets", "pärla", "diamant", "kristall", "eld", "vatten",
    "vind", "jord", "himmel", "horisont", "fjäll", "sjö", "strand", "ö", "båt", "tåg", "flyg",
    "kväll", "helg", "vardag", "fest", "middag", "lunch", "frukost", "dessert", "frukt", "bär",
    "honung", "kanel", "vanilj", "mint", "citron", "apelsin", "jordgubbe", "körsbär", "persika",
    "gärna", "alltid", "ofta", "sällan", "aldrig", "kanske", "verkligen", "väldigt", "lite", "mycket",
    "älskar", "gillar", "njuter", "längtar", "drömmer", "söker", "väntar", "bjuder", "delar", "ger",
)  # fmt: skip
BOILERPLATE = (
    "Endast seriösa förfrågningar.",
    "Inga dolda nummer.",
    "Diskretion utlovas.",
    "Ring eller sms:a.",
    "Välkommen!",
    "Hör av dig så bokar vi.",
    "Kram!",
    "Svarar så fort jag kan.",
)
TITLES = (
    "{name}, {age} – ny i {city}",
    "{Adj} {name} i {city}",
    "{name} – {adj} och {adj2}",
    "Ny tjej i {city}!",
    "{name} tar emot {where}",
)


@dataclass
class Network:
    """One actor of the synthetic world (a single seller is a network of one)."""

    key: str
    size: int
    workers: list[tuple[str, int, list[str], str | None]] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # national significant numbers
    booking: str | None = None
    rotation: bool = False
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    templates: list[list[str]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    cities: list[int] = field(default_factory=list)
    hotels: list[int] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    venue_kind: str = "online"
    sites: list[int] = field(default_factory=list)
    start: float = 0.0
    days: float = 30.0
    vehicle: str | None = None


@dataclass
class GeneratedItems:
    items: pa.Table
    truth: pa.Table  # id, network
    networks: int

    def truth_by_id(self) -> dict[str, str]:
        return dict(
            zip(self.truth["id"].to_pylist(), self.truth["network"].to_pylist(), strict=True)
        )


def generate(n_items: int, *, seed: int = 1) -> GeneratedItems:
    """About ``n_items`` items (exactly, after trimming) and their true networks."""
    world = _World(random.Random(seed), n_items)
    return world.build()


def format_phone(national: str, style: int) -> str:
    """A Swedish national significant number written in one of the common ways."""
    forms: tuple[str, ...]
    if national.startswith("7"):
        a, b, c, d = national[:2], national[2:5], national[5:7], national[7:]
        forms = (
            f"0{a}-{b} {c} {d}", f"+46 {a} {b} {c} {d}", f"+46{national}", f"0046{national}",
            f"0{a} {b}{c}{d}", f"0{national}", f"+46 (0){a}-{b} {c} {d}", f"0{a}.{b}.{c}.{d}",
            f"0{national[:3]}-{national[3:5]} {c} {d}", f"0{a}-{national[2:]}", f"0{a} {b} {c} {d}",
            f"46{national}",
        )  # fmt: skip
    else:
        area = "8" if national.startswith("8") else national[: len(national) - 6]
        rest = national[len(area) :]
        head, tail = rest[: len(rest) - 4], rest[-4:]
        forms = (
            f"0{area}-{head} {tail[:2]} {tail[2:]}", f"({'0' + area}) {head} {tail[:2]} {tail[2:]}",
            f"+46 {area} {head} {tail}", f"0{area} {rest}", f"0{area}-{rest}", f"+46{national}",
            f"0046 {area} {rest}", f"+46 (0){area}-{head} {tail}",
        )  # fmt: skip
    return forms[style % len(forms)]


class _World:
    def __init__(self, rng: random.Random, n_items: int) -> None:
        self.rng = rng
        self.n_items = n_items
        self.names = self._names(900)
        self.name_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.names))]
        self.city_weights = [c[1] for c in CITIES]
        self.hotels = self._hotels(max(24, min(400, n_items // 2500)))
        self.hotel_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(self.hotels))]
        self.cs_numbers = [self._fiction(CS_NUMBER_RANGE, i) for i in range(len(SITES))]
        self.mobile_serial = 0
        self.fiction_mobile = 0
        self.ad_serial = 0
        self.handle_serial = 0
        self.used_addresses: set[str] = set()

    # --- the cast ---

    def _names(self, count: int) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < count:
            parts = self.rng.choice((2, 2, 3))
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(parts))
            if len(name) < 4 or name in seen:
                continue
            seen.add(name)
            if self.rng.random() < 0.08:
                letter = next((c for c in name if c in SWEDISH_LETTERS), None)
                if letter:
                    name = name.replace(letter, SWEDISH_LETTERS[letter], 1)
            names.append(name.capitalize())
        return names

    def _hotels(self, count: int) -> list[tuple[str, int, str, str]]:
        hotels = []
        for i in range(count):
            city = self._city()
            kind = SWITCHBOARD_RANGES[i % len(SWITCHBOARD_RANGES)]
            number = self._fiction(kind, i // len(SWITCHBOARD_RANGES) % 100)
            name = f"Hotell {HOTEL_WORDS[i % len(HOTEL_WORDS)]} {i // len(HOTEL_WORDS) + 1}"
            address = f"{self.rng.choice(STREET_PARTS)}{self.rng.choice(('gatan', 'vägen'))} {self.rng.randint(1, 90)}"
            hotels.append((name, city, number, address))
        return hotels

    def _fiction(self, kind: str, index: int) -> str:
        area, first, count = FICTION_RANGES[kind]
        return f"{area}{first + index % count}"

    def _city(self) -> int:
        return self.rng.choices(range(len(CITIES)), self.city_weights)[0]

    def _mobile(self) -> str:
        if self.fiction_mobile < FICTION_RANGES["mobile"][2] and self.rng.random() < 0.5:
            self.fiction_mobile += 1
            return self._fiction("mobile", self.fiction_mobile - 1)
        self.mobile_serial += 1
        return f"{BULK_MOBILE_PREFIX}{self.mobile_serial:06d}"

    def _template(self) -> list[str]:
        rng = self.rng
        chosen = rng.sample(PATTERNS, rng.randint(6, 9))
        sentences = []
        for pattern in chosen:
            fixed = pattern
            for slot, options in SLOTS.items():
                for suffix in ("", "2"):
                    fixed = fixed.replace("{" + slot + suffix + "}", rng.choice(options))
            for suffix in ("", "2", "3"):
                fixed = fixed.replace("{adj" + suffix + "}", rng.choice(ADJECTIVES))
            fixed = fixed.replace("{Adj}", rng.choice(ADJECTIVES).capitalize())
            sentences.append(fixed)
        for _ in range(rng.randint(1, 3)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 7))]
            sentences.insert(rng.randrange(len(sentences) + 1), " ".join(words).capitalize() + ".")
        for _ in range(rng.choice((0, 1, 1, 2))):
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(BOILERPLATE))
        return sentences

    def _network(self, key: str, size: int) -> Network:
        rng = self.rng
        network = Network(key=key, size=size)
        n_workers = 1 if size < 3 else min(40, 1 + size // rng.randint(8, 30))
        for _ in range(n_workers):
            name = rng.choices(self.names, self.name_weights)[0]
            photos = [f"{rng.getrandbits(64):016x}" for _ in range(rng.randint(2, 7))]
            network.workers.append((name, rng.randint(19, 34), photos, None))
        style = rng.random()
        if size >= 40 and style < 0.5:
            # Workers with their own numbers and a booking number in many ads.
            network.workers = [(n, a, p, self._mobile()) for n, a, p, _ in network.workers]
            network.booking = self._mobile()
        elif size >= 20 and style < 0.75:
            network.rotation = True
            network.phones = [self._mobile() for _ in range(2 + size // 60)]
        else:
            network.phones = [self._mobile() for _ in range(1 if size < 30 else 2)]
        if rng.random() < 0.3:
            self.handle_serial += 1
            domain = rng.choice(("postlada.test", "brev.invalid", "example.com", "example.net"))
            network.emails = [f"{rng.choice(self.names).lower()}{self.handle_serial}@{domain}"]
        if rng.random() < 0.3:
            self.handle_serial += 1
            network.handles = [f"@{rng.choice(self.names).lower()}_{self.handle_serial}"]
        network.templates = [self._template() for _ in range(1 + min(3, size // 250))]
        network.titles = rng.sample(TITLES, 2)
        network.cities = [self._city()]
        if rng.random() < 0.3:
            network.cities += [self._city() for _ in range(rng.randint(1, 2))]
        venue = rng.random()
        if venue < 0.4:
            network.venue_kind = "hotel"
            network.hotels = [
                rng.choices(range(len(self.hotels)), self.hotel_weights)[0]
                for _ in range(rng.randint(1, 3))
            ]
        elif venue < 0.65:
            network.venue_kind = "short_term_rental"
            network.addresses = [self._address() for _ in range(rng.randint(1, 2))]
        elif venue < 0.75:
            network.venue_kind = "massage_parlour"
            network.addresses = [self._address()]
        else:
            network.venue_kind = rng.choice(("online", "street"))
        network.sites = rng.sample(range(len(SITES)), rng.choice((1, 1, 2, 3)))
        network.days = min(YEAR_DAYS - 1, max(7.0, rng.expovariate(1 / 60) + size / 4))
        network.start = rng.uniform(0, YEAR_DAYS - network.days)
        if rng.random() < 0.5:
            network.vehicle = self._vehicle()
        return network

    def _address(self) -> str:
        """A flat or parlour's address, not used by another network (hotels are the shared ones)."""
        while True:
            street = f"{self.rng.choice(STREET_PARTS)}{self.rng.choice(STREET_PARTS).lower()}{self.rng.choice(('gatan', 'vägen', 'gränd'))}"
            address = f"{street} {self.rng.randint(1, 150)}{self.rng.choice(('', '', 'A', 'B'))}"
            if address not in self.used_addresses:
                self.used_addresses.add(address)
                return address

    def _vehicle(self) -> str:
        rng = self.rng
        letters = "".join(rng.choice(VEHICLE_LETTERS) for _ in range(3))
        last = (
            rng.choice("0123456789" + VEHICLE_LETTERS)
            if rng.random() < 0.3
            else str(rng.randint(0, 9))
        )
        return f"{letters} {rng.randint(0, 99):02d}{last}"

    # --- the items ---

    def build(self) -> GeneratedItems:
        rng = self.rng
        sizes: list[int] = []
        total = 0
        large_quota = int(self.n_items * 0.14)
        while total < large_quota and self.n_items >= 2000:
            size = rng.randint(300, 2000) if self.n_items >= 50_000 else rng.randint(60, 300)
            sizes.append(size)
            total += size
        while total < self.n_items:
            size = 1 if rng.random() < 0.22 else min(150, 1 + int(math.exp(rng.gauss(1.5, 1.0))))
            sizes.append(size)
            total += size
        rows: dict[str, list[object]] = {name: [] for name in ITEM_SCHEMA.names}
        truth_ids: list[str] = []
        truth_networks: list[str] = []
        for number, size in enumerate(sizes):
            network = self._network(f"T{number + 1}", size)
            for _ in range(size):
                item = self._item(network)
                for name in ITEM_SCHEMA.names:
                    rows[name].append(item.get(name))
                truth_ids.append(str(item["id"]))
                truth_networks.append(network.key)
        items = pa.table(rows, schema=ITEM_SCHEMA)
        truth = pa.table({"id": truth_ids, "network": truth_networks})
        order = list(range(items.num_rows))
        rng.shuffle(order)
        keep = pa.array(order[: self.n_items])
        return GeneratedItems(items.take(keep), truth.take(keep), len(sizes))

    def _item(self, network: Network) -> dict[str, object]:
        rng = self.rng
        self.ad_serial += 1
        roll = rng.random()
        if network.size > 3 and roll < 0.05:
            return self._observation(network)
        if network.size > 3 and roll < 0.08:
            return self._tip(network)
        return self._ad(network)

    def _when(self, network: Network) -> dt.datetime:
        offset = network.start + self.rng.random() * network.days
        return YEAR_START + dt.timedelta(days=offset, seconds=self.rng.randint(0, 86399))

    def _ad(self, network: Network) -> dict[str, object]:
        rng = self.rng
        worker = rng.randrange(len(network.workers))
        name, age, photos, own_phone = network.workers[worker]
        when = self._when(network)
        city = rng.choice(network.cities) if rng.random() < 0.6 else network.cities[0]
        city_display, _weight, spellings = CITIES[city]
        phones: list[str] = []
        in_text: list[str] = []
        if rng.random() >= 0.15:
            for national in self._ad_numbers(network, own_phone, when):
                written = format_phone(national, rng.randrange(12))
                (phones if rng.random() < 0.7 else in_text).append(written)
        template = rng.choice(network.templates)
        sentences = [self._fill(s, name, age, city_display) for s in template]
        sentences = self._edit(sentences)
        for written in in_text:
            sentences.insert(
                rng.randrange(len(sentences) + 1),
                rng.choice(("Ring {p}!", "Sms {p}", "Tel: {p}.", "ring {p}!")).format(p=written),
            )
        address = None
        if network.venue_kind == "hotel":
            hotel_name, _hotel_city, switchboard, hotel_address = self.hotels[
                rng.choice(network.hotels)
            ]
            if rng.random() < 0.35:
                written = format_phone(switchboard, rng.randrange(8))
                sentences.append(
                    f"Bor på {hotel_name}, ring receptionen {written} och fråga efter {name}."
                )
                if rng.random() < 0.5:
                    phones.append(written)
            if rng.random() < 0.3:
                address = hotel_address
        elif network.addresses and rng.random() < 0.5:
            address = rng.choice(network.addresses)
        site = rng.choice(network.sites)
        if rng.random() < 0.2:
            sentences.append(
                f"Kundtjänst {SITES[site]}: {format_phone(self.cs_numbers[site], rng.randrange(8))}"
            )
        names = [name]
        if len(network.workers) > 1 and rng.random() < 0.05:
            names.append(network.workers[(worker + 1) % len(network.workers)][0])
        stated_age: int | None = age + (rng.choice((-1, 1)) if rng.random() < 0.2 else 0)
        if rng.random() < 0.1:
            stated_age = None
        title = self._fill(rng.choice(network.titles), name, age, city_display)
        return {
            "id": f"ad-{self.ad_serial:08d}",
            "kind": "ad",
            "observed_at": when,
            "source": SITES[site],
            "title": title,
            "text": " ".join(sentences),
            "phones": phones,
            "emails": self._maybe(
                network.emails, 0.3, lambda e: e.upper() if rng.random() < 0.2 else e
            ),
            "urls": [f"https://{SITES[site]}/annons/{self.ad_serial}"],
            "handles": self._maybe(
                network.handles, 0.25, lambda h: h.lstrip("@") if rng.random() < 0.3 else h
            ),
            "names": [n.upper() if rng.random() < 0.05 else n for n in names],
            "image_hashes": rng.sample(photos, min(len(photos), rng.randint(1, 3)))
            if rng.random() < 0.75
            else [],
            "age": stated_age,
            "city": rng.choice(spellings),
            "address": address,
            "venue_kind": network.venue_kind,
        }

    def _ad_numbers(self, network: Network, own_phone: str | None, when: dt.datetime) -> list[str]:
        rng = self.rng
        if network.booking is not None:
            numbers = []
            if own_phone and rng.random() < 0.7:
                numbers.append(own_phone)
            if not numbers or rng.random() < 0.5:
                numbers.append(network.booking)
            return numbers
        if network.rotation:
            position = ((when - YEAR_START).total_seconds() / 86400 - network.start) / network.days
            slot = min(len(network.phones) - 1, int(position * len(network.phones)))
            numbers = [network.phones[slot]]
            # "New number!": around a change both numbers are printed.
            edge = position * len(network.phones) - slot
            if slot + 1 < len(network.phones) and edge > 0.85:
                numbers.append(network.phones[slot + 1])
            return numbers
        return (
            [rng.choice(network.phones)]
            if len(network.phones) > 1 and rng.random() < 0.8
            else network.phones[:1]
        )

    def _maybe(self, values: Sequence[str], probability: float, written: object) -> list[str]:
        if not values or self.rng.random() >= probability:
            return []
        assert callable(written)
        return [str(written(v)) for v in values]

    def _fill(self, sentence: str, name: str, age: int, city: str) -> str:
        rng = self.rng
        out = sentence.replace("{name}", name).replace("{age}", str(age)).replace("{city}", city)
        if "{" not in out:
            return out
        out = out.replace("{Adj}", rng.choice(ADJECTIVES).capitalize())
        for suffix in ("", "2", "3"):
            slot = "{adj" + suffix + "}"
            if slot in out:
                out = out.replace(slot, rng.choice(ADJECTIVES))
        for slot, options in SLOTS.items():
            for suffix in ("", "2"):
                marker = "{" + slot + suffix + "}"
                if marker in out:
                    out = out.replace(marker, rng.choice(options))
        return out

    def _edit(self, sentences: list[str]) -> list[str]:
        rng = self.rng
        sentences = list(sentences)
        for _ in range(min(6, int(rng.expovariate(1 / 1.5)))):
            operation = rng.random()
            i = rng.randrange(len(sentences))
            words = sentences[i].split()
            if operation < 0.3:
                j = rng.randrange(len(words))
                bare = words[j].strip(".,!").lower()
                if bare in SYNONYMS:
                    words[j] = words[j].lower().replace(bare, SYNONYMS[bare])
            elif operation < 0.5 and len(words) > 3:
                del words[rng.randrange(len(words))]
            elif operation < 0.75:
                words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
            elif operation < 0.9 and len(sentences) > 1:
                j = rng.randrange(len(sentences))
                sentences[i], sentences[j] = sentences[j], sentences[i]
                continue
            else:
                sentences.insert(i, rng.choice(BOILERPLATE))
                continue
            sentences[i] = " ".join(words)
        return sentences

    def _observation(self, network: Network) -> dict[str, object]:
        rng = self.rng
        name, age, _photos, _own = rng.choice(network.workers)
        city = CITIES[rng.choice(network.cities)]
        address = None
        if network.hotels:
            address = self.hotels[rng.choice(network.hotels)][3]
        elif network.addresses:
            address = rng.choice(network.addresses)
        parts = ["Observation under pass."]
        if network.vehicle and rng.random() < 0.9:
            parts.append(
                f"Bil {network.vehicle} stod parkerad utanför{' ' + address if address else ''}."
            )
        if rng.random() < 0.5:
            parts.append(f"Kvinna som uppger namnet {name}, cirka {age} år.")
        if rng.random() < 0.5 and (network.phones or network.booking):
            number = network.booking or rng.choice(network.phones)
            parts.append(f"Telefon i annons: {format_phone(number, rng.randrange(12))}.")
        return {
            "id": f"obs-{self.ad_serial:08d}",
            "kind": "observation",
            "observed_at": self._when(network),
            "source": "polisen",
            "title": "Observation",
            "text": " ".join(parts),
            "phones": [],
            "emails": [],
            "urls": [],
            "handles": [],
            "names": [name] if rng.random() < 0.5 else [],
            "image_hashes": [],
            "age": None,
            "city": city[0],
            "address": address,
            "venue_kind": network.venue_kind,
        }

    def _tip(self, network: Network) -> dict[str, object]:
        rng = self.rng
        name, _age, _photos, own_phone = rng.choice(network.workers)
        number = (
            own_phone or network.booking or (rng.choice(network.phones) if network.phones else None)
        )
        city = CITIES[rng.choice(network.cities)]
        text = f"Tipsare uppger att en kvinna kallad {name} nås på"
        text += f" {format_phone(number, rng.randrange(12))}" if number else " ett okänt nummer"
        if network.addresses:
            text += f" och att verksamhet pågår på {rng.choice(network.addresses)}"
        text += f" i {city[0]}."
        return {
            "id": f"tip-{self.ad_serial:08d}",
            "kind": "tip",
            "observed_at": self._when(network),
            "source": "tips",
            "title": "Tips",
            "text": text,
            "phones": [],
            "emails": network.emails[:1] if rng.random() < 0.2 else [],
            "urls": [],
            "handles": [],
            "names": [name],
            "image_hashes": [],
            "age": None,
            "city": city[0],
            "address": None,
            "venue_kind": None,
        }
