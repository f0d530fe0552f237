"""The legal reference data the collaboration works with, and its seeding.

Dated data (DESIGN.md §6), seeded by the ``legal`` migrations and again by
``seed_offences()`` and ``seed_legal_bases()`` after a flushed test database
(``demo.reference``). ``valid_from`` or ``valid_to`` ``None`` means open at
that end ("since before the system's records", "still in force").

Offences of the Penal Code (BrB). Verify the names against the statute book
before production use.

A 2025 bill renames BrB 6:11 and extends it to acts at a distance. Its new
name is not entered here until the law takes effect: then the current 6:11
rows get ``valid_to`` (the day before) and new rows with new keys, the new
name and ``valid_from`` are added — existing reports keep the name they were
registered under.

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
  until 30 June 2025, then the new Social Services Act (2025:400), whose
  paragraph is deliberately not named here until verified.
- OSL 10:28 (a duty to provide information that follows from law) is entered
  for information social services need to protect a child.
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


# --- Offences -----------------------------------------------------------------------


class OffenceRow(NamedTuple):
    key: str
    code: str
    name: str
    attempt: bool = False
    counts_as_sex_purchase: bool = False
    child_victim: bool = False
    human_trafficking: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


OFFENCES: tuple[OffenceRow, ...] = (
    OffenceRow("brb-6-11", "BrB 6:11", "köp av sexuell tjänst", counts_as_sex_purchase=True),
    OffenceRow(
        "brb-6-11-forsok",
        "BrB 6:11",
        "försök till köp av sexuell tjänst",
        attempt=True,
        counts_as_sex_purchase=True,
    ),
    OffenceRow(
        "brb-6-9",
        "BrB 6:9",
        "köp av sexuell handling av barn",
        counts_as_sex_purchase=True,
        child_victim=True,
    ),
    # Counted with the completed offence: Brå counts per violated provision.
    OffenceRow(
        "brb-6-9-forsok",
        "BrB 6:9",
        "försök till köp av sexuell handling av barn",
        attempt=True,
        counts_as_sex_purchase=True,
        child_victim=True,
    ),
    OffenceRow("brb-6-12", "BrB 6:12", "koppleri"),
    OffenceRow("brb-6-12-grovt", "BrB 6:12", "grovt koppleri"),
    # Brå's split by purpose and by the victim's age is recorded on the report.
    OffenceRow("brb-4-1a", "BrB 4:1 a", "människohandel", human_trafficking=True),
)


def seed_offences(apps: Any = None) -> None:
    """Create or refresh the offences; idempotent. ``apps``: see ``_registry``."""
    Offence = _registry(apps).get_model("legal", "Offence")
    for position, row in enumerate(OFFENCES, start=1):
        Offence.objects.update_or_create(
            key=row.key, defaults={**row._asdict(), "position": position}
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
    BasisRow(
        "sol-2001-453-14-1",
        "SoL (2001:453) 14 kap. 1 §",
        "Anmälningsskyldighet vid oro för barn",
        TO_SOCIAL_SERVICES,
        concerns="minors",
        valid_to=dt.date(2025, 6, 30),
    ),
    BasisRow(
        "sol-2025-400-orosanmalan",
        "Socialtjänstlagen (2025:400)",
        "Anmälningsskyldighet vid oro för barn",
        TO_SOCIAL_SERVICES,
        concerns="minors",
        note="Paragrafen i den nya lagen anges efter juridisk granskning.",
        valid_from=dt.date(2025, 7, 1),
    ),
    BasisRow(
        "osl-10-28",
        "OSL 10 kap. 28 §",
        "Uppgiftsskyldighet enligt lag: uppgifter som socialtjänsten behöver för att skydda ett barn",
        TO_SOCIAL_SERVICES,
        concerns="minors",
    ),
)


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
