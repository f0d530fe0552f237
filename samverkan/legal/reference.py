"""The legal reference data the collaboration works with, and its seeding.

Dated data (DESIGN.md §6), seeded by the ``legal`` migrations and again by
``seed_offences()`` and ``seed_legal_bases()`` after a flushed test database
(``demo.reference``). ``valid_from`` or ``valid_to`` ``None`` means open at
that end ("since before the system's records", "still in force").

Offences of the Penal Code (BrB), as provisions with dated names
(``OFFENCES``, ``NAMES``): BrB 6:9 is "utnyttjande av barn genom köp av
sexuell handling" since 2020-01-01 (prop. 2018/19:157); from 2025-07-01
(prop. 2024/25:124) 6:11 is "köp av sexuell handling" and covers acts at a
distance, without physical contact, and 6:12 procuring is widened the same way.
A report names the offence as it was called when it was committed. Verify the
names against the statute book before production use.

Legal bases for disclosures between the agencies, and the offences' minimum
penalties. A LAWYER MUST REVIEW THIS LIST before production use. It holds
only the bases the collaboration's routines are known to rely on, in the simplest
reading of each; it is not a complete account of the secrecy-breaking
provisions (e.g. OSL 10:2, 10:18 a, 10:22 and 10:24 are deliberately not
here). Open questions for the review:

- OSL 10:21 covers a suspected offence *against* a person under 18; here the
  person the disclosed record concerns is taken to be that person, and an
  unknown age counts as a minor (presumption of childhood).
- OSL 12:2: whether a child's own consent suffices, and when a guardian's is
  needed, is for the social worker's assessment; the system only checks that
  a consent to share with the police is on record and not withdrawn.
- The police's duty to report concern for a child: SoL (2001:453) 14 kap. 1 §
  until 30 June 2025, then the new Social Services Act (2025:400). Together
  with OSL 10:28 (the duty to provide information breaks secrecy) it is one
  route, one basis per law. The chapter and paragraph given for 2025:400
  (here and in ``CONCERN_DEADLINES``) must be checked against SFS 2025:400.
- OSL 12:2 (the person's consent) in both directions: social services to the
  police on a consent recorded in the client's file (``support.Consent``); the
  police to social services on a suspect's consent the police record
  (``investigations.SuspectConsent``). Whether OSL 10:1 (the person's own
  information) should be added for disclosures to the person is left to review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


def _registry(apps: Any) -> Any:
    """A migration's app registry (historical models), or the current models.

    Without one the current models are used, e.g. after a test database was
    flushed.
    """
    if apps is not None:
        return apps
    from django.apps import apps as current_apps

    return current_apps


def _known(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values for fields ``model`` has: an earlier migration's model may lack later fields."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in values.items() if k in names}


# --- Offences -----------------------------------------------------------------------


class OffenceRow(NamedTuple):
    key: str
    code: str
    name: str  # the name in force now (the latest of ``NAMES``)
    attempt: bool = False
    counts_as_sex_purchase: bool = False
    child_victim: bool = False
    human_trafficking: bool = False
    child_under: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


# The provisions. A renamed or widened provision stays one row (crime reports keep
# pointing at it); its wordings over time are in ``NAMES``.
OFFENCES: tuple[OffenceRow, ...] = (
    OffenceRow("brb-6-11", "BrB 6:11", "köp av sexuell handling", counts_as_sex_purchase=True),
    OffenceRow(
        "brb-6-11-forsok",
        "BrB 6:11",
        "försök till köp av sexuell handling",
        attempt=True,
        counts_as_sex_purchase=True,
    ),
    OffenceRow(
        "brb-6-9",
        "BrB 6:9",
        "utnyttjande av barn genom köp av sexuell handling",
        counts_as_sex_purchase=True,
        child_victim=True,
        child_under=18,
    ),
    # Counted with the completed offence: Brå counts per violated provision.
    OffenceRow(
        "brb-6-9-forsok",
        "BrB 6:9",
        "försök till utnyttjande av barn genom köp av sexuell handling",
        attempt=True,
        counts_as_sex_purchase=True,
        child_victim=True,
        child_under=18,
    ),
    OffenceRow("brb-6-12", "BrB 6:12", "koppleri"),
    OffenceRow("brb-6-12-grovt", "BrB 6:12", "grovt koppleri"),
    # Brå's split by purpose and by the victim's age is recorded on the report.
    OffenceRow("brb-4-1a", "BrB 4:1 a", "människohandel", human_trafficking=True),
    # Children under 15 (the under-15 band, ``samverkan.lib.age.is_under_15``): a sexual
    # act with a child under 15 is 6:4 or 6:6 whether or not it was paid for, not 6:9.
    OffenceRow(
        "brb-6-4", "BrB 6:4", "våldtäkt mot barn", child_under=15, valid_from=dt.date(2005, 4, 1)
    ),
    OffenceRow(
        "brb-6-6",
        "BrB 6:6",
        "sexuellt övergrepp mot barn",
        child_under=15,
        valid_from=dt.date(2005, 4, 1),
    ),
    OffenceRow(
        "brb-6-8",
        "BrB 6:8",
        "utnyttjande av barn för sexuell posering",
        child_under=15,
        valid_from=dt.date(2005, 4, 1),
    ),
    # "Grooming", e.g. contact through sugar dating sites.
    OffenceRow(
        "brb-6-10a",
        "BrB 6:10 a",
        "kontakt med barn i sexuellt syfte",
        child_under=15,
        valid_from=dt.date(2009, 7, 1),
    ),
)

SEXUAL_OFFENCES_2005 = "SFS 2005:90; prop. 2004/05:45"
CHILD_PURCHASE_2020 = "prop. 2018/19:157"
DISTANCE_2025 = "prop. 2024/25:124"
DISTANCE_FROM = dt.date(2025, 7, 1)
DISTANCE_UNTIL = dt.date(2025, 6, 30)


class NameRow(NamedTuple):
    offence_key: str
    name: str
    scope: str
    source: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


PURCHASE_BEFORE_2025 = (
    "Att mot ersättning skaffa sig en tillfällig sexuell förbindelse; kräver fysisk kontakt."
)
PURCHASE_FROM_2025 = (
    "Att mot ersättning förmå någon att företa eller tåla en sexuell handling, även på distans "
    "utan fysisk kontakt (t.ex. via webbkamera)."
)
PROCURING_BEFORE_2025 = (
    "Att främja eller på ett otillbörligt sätt ekonomiskt utnyttja att en person har "
    "tillfälliga sexuella förbindelser mot ersättning."
)
PROCURING_FROM_2025 = (
    "Att främja eller på ett otillbörligt sätt ekonomiskt utnyttja att en person mot ersättning "
    "företar eller tål sexuella handlingar, även på distans utan fysisk kontakt."
)
CHILD_PURCHASE = (
    "Att förmå ett barn under 18 år att mot ersättning företa eller tåla en sexuell handling, "
    "även om ersättningen utlovats eller getts av någon annan."
)

# What each offence was called and covered, and from when (``valid_from`` ``None``:
# since before the system's records). The law that changed it is the source.
NAMES: tuple[NameRow, ...] = (
    NameRow(
        "brb-6-11",
        "köp av sexuell tjänst",
        PURCHASE_BEFORE_2025,
        SEXUAL_OFFENCES_2005,
        valid_to=DISTANCE_UNTIL,
    ),
    NameRow(
        "brb-6-11",
        "köp av sexuell handling",
        PURCHASE_FROM_2025,
        DISTANCE_2025,
        valid_from=DISTANCE_FROM,
    ),
    NameRow(
        "brb-6-11-forsok",
        "försök till köp av sexuell tjänst",
        PURCHASE_BEFORE_2025,
        SEXUAL_OFFENCES_2005,
        valid_to=DISTANCE_UNTIL,
    ),
    NameRow(
        "brb-6-11-forsok",
        "försök till köp av sexuell handling",
        PURCHASE_FROM_2025,
        DISTANCE_2025,
        valid_from=DISTANCE_FROM,
    ),
    NameRow(
        "brb-6-9",
        "köp av sexuell handling av barn",
        CHILD_PURCHASE + " Böter eller fängelse i högst två år.",
        SEXUAL_OFFENCES_2005,
        valid_to=dt.date(2019, 12, 31),
    ),
    NameRow(
        "brb-6-9",
        "utnyttjande av barn genom köp av sexuell handling",
        CHILD_PURCHASE + " Fängelse i högst fyra år.",
        CHILD_PURCHASE_2020,
        valid_from=dt.date(2020, 1, 1),
    ),
    NameRow(
        "brb-6-9-forsok",
        "försök till köp av sexuell handling av barn",
        CHILD_PURCHASE,
        SEXUAL_OFFENCES_2005,
        valid_to=dt.date(2019, 12, 31),
    ),
    NameRow(
        "brb-6-9-forsok",
        "försök till utnyttjande av barn genom köp av sexuell handling",
        CHILD_PURCHASE,
        CHILD_PURCHASE_2020,
        valid_from=dt.date(2020, 1, 1),
    ),
    NameRow(
        "brb-6-12", "koppleri", PROCURING_BEFORE_2025, SEXUAL_OFFENCES_2005, valid_to=DISTANCE_UNTIL
    ),
    NameRow("brb-6-12", "koppleri", PROCURING_FROM_2025, DISTANCE_2025, valid_from=DISTANCE_FROM),
    NameRow(
        "brb-6-12-grovt",
        "grovt koppleri",
        PROCURING_BEFORE_2025,
        SEXUAL_OFFENCES_2005,
        valid_to=DISTANCE_UNTIL,
    ),
    NameRow(
        "brb-6-12-grovt",
        "grovt koppleri",
        PROCURING_FROM_2025,
        DISTANCE_2025,
        valid_from=DISTANCE_FROM,
    ),
    NameRow(
        "brb-4-1a",
        "människohandel",
        "Att genom otillbörliga medel rekrytera, transportera, överföra, inhysa eller ta emot "
        "en person i syfte att hen ska exploateras (för barn under 18 år krävs inget "
        "otillbörligt medel).",
        "BrB 4 kap. 1 a §",
    ),
    NameRow(
        "brb-6-4",
        "våldtäkt mot barn",
        "Samlag eller jämförlig sexuell handling med ett barn under 15 år, eller med ett barn "
        "under 18 år som är avkomling till eller står under fostran av gärningspersonen.",
        SEXUAL_OFFENCES_2005,
        valid_from=dt.date(2005, 4, 1),
        valid_to=DISTANCE_UNTIL,
    ),
    NameRow(
        "brb-6-4",
        "våldtäkt mot barn",
        "Som tidigare, och även med ett barn under 18 år när gärningspersonen otillbörligt "
        "utnyttjar att barnet har nedsatt förmåga att värna sin sexuella integritet.",
        DISTANCE_2025,
        valid_from=DISTANCE_FROM,
    ),
    NameRow(
        "brb-6-6",
        "sexuellt övergrepp mot barn",
        "Annan sexuell handling än i 6 kap. 4 § med ett barn under 15 år (eller under 18 år "
        "i de fall som anges där).",
        SEXUAL_OFFENCES_2005,
        valid_from=dt.date(2005, 4, 1),
        valid_to=DISTANCE_UNTIL,
    ),
    NameRow(
        "brb-6-6",
        "sexuellt övergrepp mot barn",
        "Som tidigare, och även när gärningspersonen otillbörligt utnyttjar att ett barn under "
        "18 år har nedsatt förmåga att värna sin sexuella integritet.",
        DISTANCE_2025,
        valid_from=DISTANCE_FROM,
    ),
    NameRow(
        "brb-6-8",
        "utnyttjande av barn för sexuell posering",
        "Att främja eller utnyttja att ett barn under 15 år utför eller medverkar i sexuell "
        "posering; för ett barn på 15-17 år om poseringen är ägnad att skada barnets hälsa "
        "eller utveckling.",
        SEXUAL_OFFENCES_2005,
        valid_from=dt.date(2005, 4, 1),
    ),
    NameRow(
        "brb-6-10a",
        "kontakt med barn i sexuellt syfte",
        "Att i syfte att begå ett sexualbrott mot ett barn under 15 år stämma träff med barnet "
        "eller vidta annan åtgärd som är ägnad att främja att brottet kommer till stånd.",
        "SFS 2009:343; prop. 2008/09:149",
        valid_from=dt.date(2009, 7, 1),
    ),
)


def seed_offences(apps: Any = None) -> None:
    """Create or refresh the offences and their dated names; idempotent. ``apps``: see ``_registry``."""
    registry = _registry(apps)
    Offence = registry.get_model("legal", "Offence")
    offences = {}
    for position, row in enumerate(OFFENCES, start=1):
        offences[row.key], _ = Offence.objects.update_or_create(
            key=row.key, defaults=_known(Offence, {**row._asdict(), "position": position})
        )
    try:
        OffenceName = registry.get_model("legal", "OffenceName")
    except LookupError:  # an earlier migration's state: the names come with ``legal.0005``
        return
    for name in NAMES:
        OffenceName.objects.update_or_create(
            offence=offences[name.offence_key],
            valid_from=name.valid_from,
            defaults={
                "name": name.name,
                "scope": name.scope,
                "source": name.source,
                "valid_to": name.valid_to,
            },
        )


# --- Legal bases and minimum penalties ----------------------------------------------

TO_POLICE = "to_police"
TO_SOCIAL_SERVICES = "to_social_services"


class BasisRow(NamedTuple):
    code: str
    provision: str
    name: str
    direction: str
    concerns: str = "anyone"
    requires_consent: bool = False
    offence_chapters: tuple[int, ...] = ()
    requires_minimum_penalty_one_year: bool = False
    note: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


LEGAL_BASES: tuple[BasisRow, ...] = (
    BasisRow(
        "osl-10-21",
        "OSL 10 kap. 21 §",
        "Misstanke om brott enligt 3, 4 eller 6 kap. brottsbalken mot någon under 18 år",
        TO_POLICE,
        concerns="minors",
        offence_chapters=(3, 4, 6),
        note="Uppgift som angår misstanke om brott enligt 3, 4 eller 6 kap. BrB mot någon som "
        "inte har fyllt arton år får lämnas till polisen.",
    ),
    BasisRow(
        "osl-10-23",
        "OSL 10 kap. 23 §",
        "Misstanke om brott med lägst ett års fängelse i straffskalan",
        TO_POLICE,
        requires_minimum_penalty_one_year=True,
        note="Omfattar inte köp av sexuell tjänst (BrB 6:11), men t.ex. grovt koppleri och "
        "människohandel.",
    ),
    BasisRow(
        "osl-12-2",
        "OSL 12 kap. 2 §",
        "Den enskildes samtycke (sekretessen efterges)",
        TO_POLICE,
        requires_consent=True,
        note="Kräver ett registrerat samtycke till att dela uppgifter med polisen som inte "
        "har återkallats.",
    ),
    # The person's consent in the other direction: e.g. a buyer who agrees that the police
    # pass their contact to KAST, or a person met who wants the social services' help.
    BasisRow(
        "osl-12-2-till-socialtjansten",
        "OSL 12 kap. 2 §",
        "Den enskildes samtycke (sekretessen efterges)",
        TO_SOCIAL_SERVICES,
        requires_consent=True,
        note="Kräver att personens samtycke till att polisen lämnar uppgiften till "
        "socialtjänsten är dokumenterat och inte återkallat.",
    ),
    # The duty to report concern for a child and the duty to provide information that
    # follows from it (OSL 10:28) are one route: one basis per law, with both provisions.
    BasisRow(
        "sol-2001-453-14-1",
        "SoL (2001:453) 14 kap. 1 § och OSL 10 kap. 28 §",
        "Anmälningsskyldighet vid oro för barn, med uppgiftsskyldighet enligt lag",
        TO_SOCIAL_SERVICES,
        concerns="minors",
        note="Polisen ska genast anmäla till socialnämnden när den får kännedom om eller "
        "misstänker att ett barn far illa och lämna de uppgifter som kan vara av betydelse "
        "för utredningen; sekretessen bryts av uppgiftsskyldigheten (OSL 10 kap. 28 §).",
        valid_to=dt.date(2025, 6, 30),
    ),
    BasisRow(
        "sol-2025-400-orosanmalan",
        "SoL (2025:400) 15 kap. 1 § och OSL 10 kap. 28 §",
        "Anmälningsskyldighet vid oro för barn, med uppgiftsskyldighet enligt lag",
        TO_SOCIAL_SERVICES,
        concerns="minors",
        note="Samma skyldighet i den nya socialtjänstlagen (prop. 2024/25:89). Kapitel och "
        "paragraf ska stämmas av mot SFS 2025:400 före produktion.",
        valid_from=dt.date(2025, 7, 1),
    ),
)

# Bases merged into another: ``legal.0005`` points their decisions at the basis that now
# carries the same route (``DUTY_TO_REPORT_BASES``, by the decision's date) and removes them.
MERGED_BASES: tuple[str, ...] = ("osl-10-28",)


# The police's duty to report concern for a child, old law and new: the bases a
# suspect's identity is handed over on together with a child-concern report
# (``sharing.actions.do_disclose_with_concern_report`` takes the one valid on the day).
DUTY_TO_REPORT_BASES: tuple[str, ...] = ("sol-2001-453-14-1", "sol-2025-400-orosanmalan")


class PenaltyRow(NamedTuple):
    offence_key: str
    minimum_penalty_one_year: bool
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


# The offences above: does the scale start at a year or more?
OFFENCE_PENALTIES: tuple[PenaltyRow, ...] = (
    PenaltyRow("brb-6-11", False),  # böter eller fängelse i högst ett år
    PenaltyRow("brb-6-11-forsok", False),
    PenaltyRow("brb-6-9", False),  # fängelse, utan ett års minimum
    PenaltyRow("brb-6-9-forsok", False),
    PenaltyRow("brb-6-12", False),  # koppleri: fängelse, utan ett års minimum
    PenaltyRow("brb-6-12-grovt", True),  # grovt koppleri: fängelse i lägst två år
    PenaltyRow("brb-4-1a", True),  # människohandel: fängelse i lägst två år
    PenaltyRow("brb-6-4", True),  # våldtäkt mot barn: fängelse i lägst två år
    PenaltyRow(
        "brb-6-6", False
    ),  # sexuellt övergrepp mot barn: högst fyra år, inget ett års minimum
    PenaltyRow("brb-6-8", False),  # böter eller fängelse i högst två år
    PenaltyRow("brb-6-10a", False),  # böter eller fängelse i högst ett år
)


def seed_legal_bases(apps: Any = None) -> None:
    """Create or refresh the legal bases and the offences' minimum penalties; idempotent.

    ``apps``: see ``_registry``. A penalty for an offence that does not exist
    (yet) is skipped.
    """
    apps = _registry(apps)
    LegalBasis = apps.get_model("legal", "LegalBasis")
    OffencePenalty = apps.get_model("legal", "OffencePenalty")
    Offence = apps.get_model("legal", "Offence")
    for position, row in enumerate(LEGAL_BASES, start=1):
        values = row._asdict()
        values["offence_chapters"] = list(row.offence_chapters)
        LegalBasis.objects.update_or_create(
            code=row.code, defaults={**values, "position": position}
        )
    offences = {
        o.key: o for o in Offence.objects.filter(key__in={r.offence_key for r in OFFENCE_PENALTIES})
    }
    for penalty in OFFENCE_PENALTIES:
        offence = offences.get(penalty.offence_key)
        if offence is None:
            continue
        OffencePenalty.objects.update_or_create(
            offence=offence,
            valid_from=penalty.valid_from,
            defaults={
                "minimum_penalty_one_year": penalty.minimum_penalty_one_year,
                "valid_to": penalty.valid_to,
            },
        )


# --- Deadlines for a child-concern report -------------------------------------------


class DeadlineRow(NamedTuple):
    kind: str
    provision: str
    days: int | None = None
    months: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


NEW_SOL = dt.date(2025, 7, 1)
OLD_SOL_UNTIL = dt.date(2025, 6, 30)

# A protection assessment at once (counted here as within a day), a decision whether to
# open an investigation within 14 days, the investigation finished within four months.
# The new Social Services Act keeps the durations; the paragraphs of 2025:400 are to be
# checked against SFS 2025:400 before production.
CONCERN_DEADLINES: tuple[DeadlineRow, ...] = (
    DeadlineRow("protection", "SoL (2001:453) 11 kap. 1 a §", days=1, valid_to=OLD_SOL_UNTIL),
    DeadlineRow("decision", "SoL (2001:453) 11 kap. 1 a §", days=14, valid_to=OLD_SOL_UNTIL),
    DeadlineRow("investigation", "SoL (2001:453) 11 kap. 2 §", months=4, valid_to=OLD_SOL_UNTIL),
    DeadlineRow("protection", "SoL (2025:400) 19 kap. 3 §", days=1, valid_from=NEW_SOL),
    DeadlineRow("decision", "SoL (2025:400) 19 kap. 3 §", days=14, valid_from=NEW_SOL),
    DeadlineRow("investigation", "SoL (2025:400) 19 kap. 6 §", months=4, valid_from=NEW_SOL),
)


def seed_concern_deadlines(apps: Any = None) -> None:
    """Create or refresh the deadlines of a child-concern report; idempotent."""
    ConcernDeadline = _registry(apps).get_model("legal", "ConcernDeadline")
    for row in CONCERN_DEADLINES:
        ConcernDeadline.objects.update_or_create(
            kind=row.kind,
            valid_from=row.valid_from,
            defaults={
                "provision": row.provision,
                "days": row.days,
                "months": row.months,
                "valid_to": row.valid_to,
            },
        )
