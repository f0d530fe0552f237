"""Support units for the Stockholm case (shared/reference/stockholm.md), and their seeding.

Each unit has its kind (social services' own support, health care, a shelter,
a voluntary organisation, a national line or programme, a programme for sex
buyers, a tip line) and whom it serves: only social services' own support
counts as "linked to support within social services" (``support.models``).

Plain data, seeded by a migration and again by ``seed_support_units()``
after a test database was flushed. Names and ages are data with validity
dates: verify them against the organisations' own registers before
production use. Only contact details given in the reference are filled in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

STOCKHOLM_SOCIAL = "stockholms-stad"


class UnitRow(NamedTuple):
    code: str
    name: str
    kind: str
    description: str
    accepts_minors: bool
    accepts_adults: bool
    # Whom it serves (``support.models.ServedGroup``): persons in prostitution, buyers, children.
    serves: tuple[str, ...] = ("in_prostitution",)
    # The agency's code for a municipality's own unit; None for a unit open to all.
    agency: str | None = None
    contact: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


SUPPORT_UNITS: tuple[UnitRow, ...] = (
    UnitRow(
        "sthlm-mikamottagningen",
        "Mikamottagningen",
        "social_services",
        "Stöd till vuxna med erfarenhet av att sälja sex eller sex som självskada "
        "(18 år och äldre).",
        accepts_minors=False,
        accepts_adults=True,
        serves=("in_prostitution",),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-ungdomsjouren",
        "Ungdomsjouren",
        "social_services",
        "Uppsökande arbete bland unga under 18 år i riskmiljöer och på nätet.",
        accepts_minors=True,
        accepts_adults=False,
        serves=("in_prostitution", "children"),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-regional-koordinator-barn",
        "Regional koordinator mot prostitution och människohandel, barn och unga",
        "social_services",
        "Regional samordning i ärenden som rör barn och unga.",
        accepts_minors=True,
        accepts_adults=False,
        serves=("in_prostitution", "children"),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-regional-koordinator-vuxna",
        "Regional koordinator mot prostitution och människohandel, vuxna",
        "social_services",
        "Regional samordning i ärenden som rör vuxna.",
        accepts_minors=False,
        accepts_adults=True,
        serves=("in_prostitution",),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-kast",
        "KAST Stockholm",
        "buyer_programme",
        "Frivilliga samtal för personer som köper sex; gripna köpare kan erbjudas kontakt.",
        accepts_minors=False,
        accepts_adults=True,
        serves=("buyers",),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-socialjouren",
        "Socialjouren",
        "social_services",
        "Socialtjänstens jour utanför kontorstid.",
        accepts_minors=True,
        accepts_adults=True,
        serves=("in_prostitution", "buyers", "children"),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "sthlm-stadsdelens-socialtjanst",
        "Stadsdelens socialtjänst (individ- och familjeomsorg)",
        "social_services",
        "Den egna stadsdelens socialtjänst; barnavårdsutredningar för barn som bor i stadsdelen.",
        accepts_minors=True,
        accepts_adults=True,
        serves=("in_prostitution", "buyers", "children"),
        agency=STOCKHOLM_SOCIAL,
    ),
    UnitRow(
        "jamstalldhetsmyndigheten-stodlinje",
        "Jämställdhetsmyndighetens stödlinje",
        "national_support",
        "Nationell samordning mot prostitution och människohandel (NMT); stödlinje för "
        "yrkesverksamma vardagar kontorstid, nationellt stödprogram och återvändandeprogram.",
        accepts_minors=True,
        accepts_adults=True,
        serves=("in_prostitution",),
        contact="020-39 00 00",
        valid_from=dt.date(2018, 1, 1),
    ),
    UnitRow(
        "talita",
        "Talita",
        "ngo_support",
        "Civilsamhällets stöd för att lämna prostitution (exitprogram).",
        accepts_minors=False,
        accepts_adults=True,
        serves=("in_prostitution",),
    ),
    UnitRow(
        "ecpat-hotline",
        "ECPAT Hotline",
        "tip_line",
        "Tips om sexuell exploatering av barn.",
        accepts_minors=True,
        accepts_adults=False,
        serves=("children",),
    ),
    UnitRow(
        "kvinnofridslinjen",
        "Kvinnofridslinjen",
        "national_support",
        "Nationell stödtelefon för den som utsatts för hot och våld.",
        accepts_minors=True,
        accepts_adults=True,
        serves=("in_prostitution",),
        contact="020-50 50 50",
    ),
    UnitRow(
        "halso-och-sjukvard",
        "Hälso- och sjukvården",
        "health_care",
        "Vårdcentral, ungdomsmottagning eller akutmottagning.",
        accepts_minors=True,
        accepts_adults=True,
        serves=("in_prostitution", "buyers", "children"),
    ),
)


def seed_support_units(apps: Any = None) -> None:
    """Create or refresh the reference support units; idempotent.

    ``apps`` is a migration's app registry (historical models); without it the
    current models are used, e.g. after a test database was flushed. A unit
    whose agency does not exist (yet) is not created.
    """
    if apps is None:
        from django.apps import apps as current_apps

        apps = current_apps
    Agency = apps.get_model("accounts", "Agency")
    SupportUnit = apps.get_model("support", "SupportUnit")
    agencies = {
        a.code: a for a in Agency.objects.filter(code__in={r.agency for r in SUPPORT_UNITS})
    }
    for row in SUPPORT_UNITS:
        agency = agencies.get(row.agency) if row.agency else None
        if row.agency and agency is None:
            continue
        names = {f.name for f in SupportUnit._meta.get_fields()}
        SupportUnit.objects.update_or_create(
            code=row.code,
            defaults={
                k: v
                for k, v in {
                    "name": row.name,
                    "kind": row.kind,
                    "description": row.description,
                    "contact": row.contact,
                    "accepts_minors": row.accepts_minors,
                    "accepts_adults": row.accepts_adults,
                    "serves_in_prostitution": "in_prostitution" in row.serves,
                    "serves_buyers": "buyers" in row.serves,
                    "serves_children": "children" in row.serves,
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                    "agency": agency,
                }.items()
                if k in names
            },
        )
