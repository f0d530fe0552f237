"""The default retention rules and exemptions, as the project understands the law.

Seeded by the migration (``0002_default_rules``) and again after a flushed
database (``demo.reference.seed_all_reference``), as ``legal`` seeds its dated
reference data: idempotent, a row found again by its key is refreshed. Each row
names its source; none is confirmed (``confirmed_by_archivist``): the
agency's archivist confirms them against the agency's own document management
plan (dokumenthanteringsplan) and gallringsbeslut before production use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

POLICE = "police"
SOCIAL = "social_services"

# Keys of retention.models.Disposal and RunsFrom (a migration has no enums of its own).
DELETE, ANONYMISE, KEEP = "delete", "anonymise", "keep"
LAST_ENTRY, CLOSED, REPORT_CLOSED, LAST_USE, OWNER, NEVER = (
    "last_entry", "closed", "crime_report_closed", "last_use", "owner", "never",
)

SOL = "SoL (2001:453) 12 kap. 1 §; SoL (2025:400) från 2025-07-01"
PBDL = "Lag (2018:1693) om polisens behandling av personuppgifter inom brottsdatalagens område"
ARCHIVES = "Arkivlagen (1990:782) och myndighetens dokumenthanteringsplan"
NO_COPY = "Utlämnandet kopierar inga uppgifter: det följer den utlämnade handlingen"
# A register extract is a copy of what the agency held: it is kept as proof that the request was
# answered, not longer. Two years after its last delivery is the time many plans give; to be
# confirmed against the agency's own plan.
EXTRACT = (
    "{law}; {ARCHIVES}; två år efter sista leveransen enligt dokumenthanteringsplanen "
    "(arkivarien bekräftar tiden)"
)


class RuleRow(NamedTuple):
    agency_kind: str
    record_type: str
    years: int | None
    runs_from: str
    disposal: str
    source: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


# Anonymise rather than delete where the statistics count the record: the row stays with
# what the results report reads (role, age band, area, venue kind, month, shift, followed up)
# and loses everything that identifies.
RULES: tuple[RuleRow, ...] = (
    # Social services: the client's file is purged five years after its last entry (SoL 12:1).
    RuleRow(SOCIAL, "client", 5, LAST_ENTRY, ANONYMISE, f"{SOL}: gallras fem år efter sista anteckningen"),
    RuleRow(SOCIAL, "support_action", 5, LAST_ENTRY, ANONYMISE, f"{SOL}: del av personakten"),
    RuleRow(SOCIAL, "referral", 5, LAST_ENTRY, ANONYMISE, f"{SOL}: del av personakten"),
    RuleRow(SOCIAL, "consent", 5, LAST_ENTRY, DELETE, f"{SOL}: del av personakten"),
    RuleRow(
        SOCIAL, "concern_handling", 5, CLOSED, ANONYMISE,
        f"{SOL}; SoL (2001:453) 11 kap. 1 a § (förhandsbedömning utan utredning)",
    ),
    # The filed report (operations.ChildConcernReport) is part of the handling's documents: its
    # text goes with the handling, or five years after its receipt when nobody acted on it.
    RuleRow(
        SOCIAL, "child_concern_report", 5, CLOSED, ANONYMISE,
        f"{SOL}; SoL (2001:453) 14 kap. 1 § (anmälan hör till handläggningen och gallras med den)",
    ),
    RuleRow(SOCIAL, "register_extract", 2, LAST_USE, DELETE, EXTRACT.format(law="GDPR art. 15 och art. 5.1 e", ARCHIVES=ARCHIVES)),
    RuleRow(SOCIAL, "disclosure", None, OWNER, KEEP, NO_COPY),
    RuleRow(SOCIAL, "audit_event", None, NEVER, KEEP, f"{ARCHIVES}; personuppgifter i loggtext maskeras"),
    # The police: a crime report and its suspects after the report's closing; intelligence
    # (tips, items, entities, networks) after its last use.
    RuleRow(POLICE, "crime_report", 5, CLOSED, ANONYMISE, f"{PBDL} 2 kap.; Polismyndighetens gallringsbeslut"),
    RuleRow(POLICE, "suspect", 5, REPORT_CLOSED, ANONYMISE, f"{PBDL} 2 kap.; följer anmälan"),
    RuleRow(POLICE, "tip", 3, LAST_USE, DELETE, f"{PBDL} 3 kap. (underrättelseuppgifter)"),
    RuleRow(POLICE, "intel_item", 3, LAST_USE, DELETE, f"{PBDL} 3 kap. (underrättelseuppgifter)"),
    RuleRow(POLICE, "entity", 3, LAST_USE, DELETE, f"{PBDL} 3 kap. (underrättelseuppgifter)"),
    RuleRow(POLICE, "network", 3, LAST_USE, DELETE, f"{PBDL} 3 kap. (underrättelseuppgifter)"),
    RuleRow(POLICE, "register_extract", 2, LAST_USE, DELETE, EXTRACT.format(law=f"Brottsdatalagen (2018:1177) 4 kap. 6 §; {PBDL}", ARCHIVES=ARCHIVES)),
    RuleRow(POLICE, "disclosure", None, OWNER, KEEP, NO_COPY),
    RuleRow(POLICE, "audit_event", None, NEVER, KEEP, f"{ARCHIVES}; personuppgifter i loggtext maskeras"),
)


class ExemptionRow(NamedTuple):
    agency_kind: str
    record_type: str
    kind: str
    days: tuple[int, ...]
    source: str


EXEMPTIONS: tuple[ExemptionRow, ...] = (
    # The archive's research sample: a municipality keeps the files of persons born on the
    # 5th, 15th and 25th of a month (SoL 12:2, SOSFS/HSLF-FS; the municipality decides).
    ExemptionRow(
        SOCIAL, "client", "born_on_days", (5, 15, 25),
        "SoL (2001:453) 12 kap. 2 §: forskningsurval, personer födda den 5, 15 och 25",
    ),
)


def _registry(apps: Any) -> Any:
    if apps is not None:
        return apps
    from django.apps import apps as current_apps

    return current_apps


def seed_retention_rules(apps: Any = None) -> None:
    """Create or refresh the default rules and exemptions; idempotent."""
    registry = _registry(apps)
    Rule = registry.get_model("retention", "RetentionRule")
    Exemption = registry.get_model("retention", "RetentionExemption")
    for row in RULES:
        Rule.objects.update_or_create(
            agency_kind=row.agency_kind,
            record_type=row.record_type,
            valid_from=row.valid_from,
            defaults={
                "years": row.years,
                "runs_from": row.runs_from,
                "disposal": row.disposal,
                "source": row.source,
                "valid_to": row.valid_to,
            },
        )
    for ex in EXEMPTIONS:
        Exemption.objects.update_or_create(
            agency_kind=ex.agency_kind,
            record_type=ex.record_type,
            kind=ex.kind,
            valid_from=None,
            defaults={"days": list(ex.days), "source": ex.source},
        )
