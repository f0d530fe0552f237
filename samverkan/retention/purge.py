"""Finding the records past their retention rule, and deleting or anonymising them.

``plan(as_of)`` finds, per agency kind and rule in force on ``as_of``, the
records whose time (``RunsFrom``) ran out, less those under a legal hold (and
what a held record needs) and those an exemption keeps. ``purge(as_of)`` then
works through the plan in batches of ``BATCH`` records, each batch in one
transaction with one audit event per record type and disposal that holds only
the count (never the content), and redacts the audit log's free text where it
names a purged person (``audit.actions.do_redact_event``).

Anonymising keeps exactly what the results statistics read (``reports``): the
client row's id (the person counted), its encounter links with the age and
band at each encounter, the support actions' kind and day, the referrals'
unit, status and days; a suspect's age at the offence, role, encounter,
child-concern report and a person key that still joins their rows (replaced
by a random one for the whole person at once); the crime report's offence,
time, place, shift, collaboration and status. Everything that identifies a
person goes: names, identity numbers, contact, free text, the exact birth date.

What was disclosed goes with the owner's record: a disclosure holds no copy of
the record's fields (``sharing.Disclosure`` names the record and the fields
granted), and its own free text is cleared with the record it names.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from samverkan.accounts.models import Agency, AgencyKind
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import REDACTED, do_record_event, do_redact_event
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.extracts.models import Extract
from samverkan.intel import indicators
from samverkan.intel.linking import refresh_figures
from samverkan.intel.models import (
    Entity,
    ImportBatch,
    IntelItem,
    LinkState,
    Network,
    NetworkFollowUp,
    Tip,
)
from samverkan.investigations.models import CrimeReport, CrimeReportStatus, Suspect, SuspectConsent
from samverkan.operations.models import ChildConcernReport
from samverkan.retention.models import Disposal, LegalHold, RetentionExemption, RetentionRule
from samverkan.sharing.models import Disclosure
from samverkan.support.models import (
    AgeAssessment,
    Client,
    ClientIdentifier,
    ConcernClientLink,
    ConcernHandling,
    Consent,
    Referral,
    SupportAction,
)

BATCH = 500
ANONYMISED = "Gallrad"
FINAL_STATUSES = (CrimeReportStatus.CLOSED, CrimeReportStatus.SUMMARY_PENALTY, CrimeReportStatus.PROSECUTION)
# Names and numbers shorter than this are not looked for in the audit log's text (too many false hits).
MIN_TOKEN = 4

RT = RecordType
# Not a record type of its own: an import's log (``intel.ImportBatch``), read as its items are.
IMPORT_LOG = "intel_import"
# What the audit log files each count under (an import's log is the items').
AUDITED_AS = {IMPORT_LOG: RT.INTEL_ITEM}


@dataclass
class Planned:
    """What one rule would do now: the records that go, and those kept by a hold or an exemption."""

    agency_kind: str
    record_type: str
    disposal: str
    rule: RetentionRule | None
    ids: list[int] = field(default_factory=list)
    held: int = 0
    exempt: int = 0


@dataclass
class Result:
    as_of: dt.date
    dry_run: bool
    planned: list[Planned]
    done: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    redacted: int = 0

    def lines(self) -> list[str]:
        out = []
        for p in self.planned:
            verb = "would " + p.disposal if self.dry_run else p.disposal
            source = f" [{p.rule.source}]" if p.rule is not None else ""
            count = len(p.ids) if self.dry_run else self.done.get((p.record_type, p.disposal), 0)
            out.append(f"{p.agency_kind} {p.record_type}: {verb} {count}, held {p.held}, exempt {p.exempt}{source}")
        if not self.dry_run:
            listed = {(p.record_type, p.disposal) for p in self.planned}
            for (record_type, disposal), count in sorted(self.done.items()):
                if (record_type, disposal) not in listed:
                    out.append(f"{record_type}: {disposal} {count} (with the records it belongs to)")
        if not self.dry_run:
            out.append(f"audit events redacted: {self.redacted}")
        return out


def _cutoff(rule: RetentionRule, as_of: dt.date) -> dt.datetime | None:
    day = rule.expiry_cutoff(as_of)
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _latest(*values: Any) -> dt.datetime | None:
    moments = []
    for value in values:
        if value is None:
            continue
        if not isinstance(value, dt.datetime):
            value = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        moments.append(value)
    return max(moments) if moments else None


def _rules(as_of: dt.date, kind: str) -> dict[str, RetentionRule]:
    return {r.record_type: r for r in RetentionRule.objects.valid_on(as_of).filter(agency_kind=kind)}


def _held(record_type: str, agencies: Iterable[Agency]) -> set[int]:
    return set(
        LegalHold.objects.active()
        .filter(record_type=record_type, agency__in=list(agencies))
        .values_list("record_id", flat=True)
    )


# --- Social services -------------------------------------------------------------------------


def client_last_entries(clients: Any) -> Iterator[tuple[int, dt.datetime]]:
    """Each client's last entry in their file: the newest day of what the file records.

    The days the file's entries are about (the encounters, the support given, the
    referrals' steps, consent and its withdrawal, age assessments), and the file's
    opening; not when a row was typed in, which a late entry or an import moves.
    """
    annotated = clients.annotate(
        l_met=Max("encounter_links__encounter__occurred_at"),
        l_age=Max("age_assessments__assessed_on"),
    ).values_list("pk", "created_at", "l_met", "l_age")
    acted_on = dict(
        SupportAction.objects.filter(client__in=clients).values("client").annotate(d=Max("happened_on")).values_list("client", "d")
    )
    referrals: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Referral.objects.filter(client__in=clients)
        .values("client")
        .annotate(b=Max("sent_on"), c=Max("received_on"), d=Max("closed_on"), e=Max("declined_on"))
        .values_list("client", "b", "c", "d", "e")
    ):
        referrals[row[0]].extend(row[1:])
    consents: dict[int, list[Any]] = defaultdict(list)
    for given in (
        Consent.objects.filter(client__in=clients)
        .values("client")
        .annotate(b=Max("given_on"), c=Max("withdrawn_at"))
        .values_list("client", "b", "c")
    ):
        consents[given[0]].extend(given[1:])
    for pk, *values in annotated:
        last = _latest(*values, acted_on.get(pk), *referrals[pk], *consents[pk])
        assert last is not None  # created_at always
        yield pk, last


def _plan_clients(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    rule = rules.get(RT.CLIENT)
    planned = Planned(AgencyKind.SOCIAL_SERVICES, RT.CLIENT, rule.disposal if rule else Disposal.KEEP, rule)
    cutoff = _cutoff(rule, as_of) if rule else None
    if cutoff is None:
        return [planned]
    clients = Client.objects.filter(agency__in=agencies).exclude(pseudonym=ANONYMISED)
    expired = [pk for pk, last in client_last_entries(clients) if last < cutoff]
    # A hold on the file or any part of it keeps the whole file (the parts need their client).
    held = _held(RT.CLIENT, agencies)
    for record_type, model in ((RT.SUPPORT_ACTION, SupportAction), (RT.REFERRAL, Referral)):
        ids = _held(record_type, agencies)
        if ids:
            held |= set(model.objects.filter(pk__in=ids).values_list("client_id", flat=True))
    exemptions = list(RetentionExemption.objects.valid_on(as_of).filter(agency_kind=AgencyKind.SOCIAL_SERVICES, record_type=RT.CLIENT))
    exempt: set[int] = set()
    if exemptions:
        for ident in ClientIdentifier.objects.filter(client_id__in=expired, birth_date__isnull=False):
            if any(e.keeps_birth_date(ident.birth_date) for e in exemptions):
                exempt.add(ident.client_id)
    planned.held = len(set(expired) & held)
    planned.exempt = len((set(expired) - held) & exempt)
    planned.ids = sorted(set(expired) - held - exempt)
    return [planned]


def _plan_concern_handling(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    rule = rules.get(RT.CONCERN_HANDLING)
    planned = Planned(AgencyKind.SOCIAL_SERVICES, RT.CONCERN_HANDLING, rule.disposal if rule else Disposal.KEEP, rule)
    cutoff = _cutoff(rule, as_of) if rule else None
    if cutoff is None:
        return [planned]
    expired = set(
        ConcernHandling.objects.filter(agency__in=agencies)
        .filter(Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, investigation_closed_at__lt=cutoff))
        .exclude(protection_assessment="", closure_reason="")
        .values_list("pk", flat=True)
    )
    held = _held(RT.CONCERN_HANDLING, agencies)
    planned.held = len(expired & held)
    planned.ids = sorted(expired - held)
    return [planned]


def _plan_concern_reports(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    """The filed report's text goes with its handling: once the handling closed before the
    cutoff, or, when nobody acted on the report, once it was received before the cutoff. What
    the statistics read stays (the report itself, its dates, subject and encounter)."""
    rule = rules.get(RT.CHILD_CONCERN_REPORT)
    planned = Planned(AgencyKind.SOCIAL_SERVICES, RT.CHILD_CONCERN_REPORT, rule.disposal if rule else Disposal.KEEP, rule)
    cutoff = _cutoff(rule, as_of) if rule else None
    if cutoff is None:
        return [planned]
    reports = ChildConcernReport.objects.filter(addressed_to__in=agencies).exclude(summary="")
    handled = ConcernHandling.objects.filter(report__in=reports)
    closed = handled.filter(Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, investigation_closed_at__lt=cutoff))
    expired = set(closed.values_list("pk", flat=True))
    expired |= set(reports.filter(created_at__lt=cutoff).exclude(pk__in=handled.values("pk")).values_list("pk", flat=True))
    # A hold on the report or its handling keeps it (the handling's key is the report's), and so
    # does a hold on the file of the client it is about.
    held = _held(RT.CHILD_CONCERN_REPORT, agencies) | _held(RT.CONCERN_HANDLING, agencies)
    held_clients = _held(RT.CLIENT, agencies)
    if held_clients:
        held |= set(ConcernClientLink.objects.filter(client__in=held_clients).values_list("report_id", flat=True))
    planned.held = len(expired & held)
    planned.ids = sorted(expired - held)
    return [planned]


# --- Register extracts (both kinds of agency) ------------------------------------------------


def extract_last_use(extracts: Any) -> Iterator[tuple[int, dt.datetime]]:
    """An extract's last use: its last delivery (an export in the audit log), else its approval
    or, for a draft, its gathering."""
    ids = [str(pk) for pk in extracts.values_list("pk", flat=True)]
    delivered: dict[str, dt.datetime] = {}
    for start in range(0, len(ids), BATCH):
        delivered.update(
            AuditEvent.objects.filter(
                record_type=RT.REGISTER_EXTRACT, action=AuditAction.EXPORT, record_id__in=ids[start : start + BATCH]
            )
            .values("record_id")
            .annotate(last=Max("timestamp"))
            .values_list("record_id", "last")
        )
    for pk, created, approved in extracts.values_list("pk", "created_at", "approved_at"):
        last = _latest(created, approved, delivered.get(str(pk)))
        assert last is not None
        yield pk, last


def _plan_extracts(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    rule = rules.get(RT.REGISTER_EXTRACT)
    kind = agencies[0].kind
    planned = Planned(kind, RT.REGISTER_EXTRACT, rule.disposal if rule else Disposal.KEEP, rule)
    cutoff = _cutoff(rule, as_of) if rule else None
    if cutoff is None:
        return [planned]
    expired = {pk for pk, last in extract_last_use(Extract.objects.filter(agency__in=agencies)) if last < cutoff}
    held = _held(RT.REGISTER_EXTRACT, agencies)
    planned.held = len(expired & held)
    planned.ids = sorted(expired - held)
    return [planned]


# --- The police ---------------------------------------------------------------------------------


def _plan_crime_reports(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    out = []
    report_rule = rules.get(RT.CRIME_REPORT)
    suspect_rule = rules.get(RT.SUSPECT)
    held_reports = _held(RT.CRIME_REPORT, agencies)
    held_suspects = _held(RT.SUSPECT, agencies)
    # A held suspect needs its crime report; a held report keeps its suspects.
    held_reports |= set(Suspect.objects.filter(pk__in=held_suspects).values_list("crime_report_id", flat=True))
    for rule, record_type in ((report_rule, RT.CRIME_REPORT), (suspect_rule, RT.SUSPECT)):
        planned = Planned(AgencyKind.POLICE, record_type, rule.disposal if rule else Disposal.KEEP, rule)
        out.append(planned)
        cutoff = _cutoff(rule, as_of) if rule else None
        if cutoff is None:
            continue
        closed = CrimeReport.objects.filter(agency__in=agencies, status__in=FINAL_STATUSES, status_changed_at__lt=cutoff)
        if record_type == RT.CRIME_REPORT:
            expired = set(closed.exclude(narrative="", awareness_basis="", case_number__startswith="GALLRAD").values_list("pk", flat=True))
            planned.held = len(expired & held_reports)
            planned.ids = sorted(expired - held_reports)
            continue
        # A person's rows are anonymised together, once every one of them has expired, so that
        # their new key still joins them (the statistics count a person once).
        suspects = Suspect.objects.filter(crime_report__agency__in=agencies).exclude(name="")
        expired_ids = set(suspects.filter(crime_report__in=closed).values_list("pk", flat=True))
        by_person: dict[str, list[int]] = defaultdict(list)
        blocked: set[str] = set()
        held: set[int] = set()
        for pk, key, report in suspects.values_list("pk", "person_key", "crime_report_id"):
            by_person[key].append(pk)
            if pk in held_suspects or report in held_reports:
                held.add(pk)
            if pk not in expired_ids or pk in held:
                blocked.add(key)
        planned.held = len(expired_ids & held)
        ids = [pk for key, pks in by_person.items() if key not in blocked for pk in pks]
        planned.ids = sorted(ids)
    return out


def tip_last_use(tips: Any) -> Iterator[tuple[int, dt.datetime]]:
    for pk, *moments in tips.values_list("pk", "submitted_at", "assessed_at", "linked_at", "closed_at"):
        last = _latest(*moments)
        assert last is not None
        yield pk, last


def _plan_intel(as_of: dt.date, agencies: list[Agency], rules: dict[str, RetentionRule]) -> list[Planned]:
    out = []
    held_tips = _held(RT.TIP, agencies)
    held_items = _held(RT.INTEL_ITEM, agencies)
    held_networks = _held(RT.NETWORK, agencies)
    held_entities = _held(RT.ENTITY, agencies)
    # What a held record needs: a tip its item and network, a network its items.
    held_items |= {i for i in Tip.objects.filter(pk__in=held_tips).values_list("intel_item_id", flat=True) if i}
    held_networks |= {n for n in Tip.objects.filter(pk__in=held_tips).values_list("network_id", flat=True) if n}
    held_items |= set(IntelItem.objects.filter(membership__network__in=held_networks).values_list("pk", flat=True))

    tip_rule = rules.get(RT.TIP)
    tips = Planned(AgencyKind.POLICE, RT.TIP, tip_rule.disposal if tip_rule else Disposal.KEEP, tip_rule)
    out.append(tips)
    cutoff = _cutoff(tip_rule, as_of) if tip_rule else None
    kept_tips: set[int] = set()
    if cutoff is not None:
        all_tips = Tip.objects.filter(addressed_to__in=agencies)
        expired = {pk for pk, last in tip_last_use(all_tips) if last < cutoff}
        # A network's follow-up names its tip: the tip goes with the network.
        followed = set(NetworkFollowUp.objects.filter(tip__isnull=False).values_list("tip_id", flat=True))
        tips.held = len(expired & held_tips)
        tips.ids = sorted(expired - held_tips - followed)
        kept_tips = set(all_tips.values_list("pk", flat=True)) - set(tips.ids)

    item_rule = rules.get(RT.INTEL_ITEM)
    items = Planned(AgencyKind.POLICE, RT.INTEL_ITEM, item_rule.disposal if item_rule else Disposal.KEEP, item_rule)
    out.append(items)
    cutoff = _cutoff(item_rule, as_of) if item_rule else None
    if cutoff is not None:
        candidates = IntelItem.objects.filter(agency__in=agencies, created_at__lt=cutoff).filter(
            Q(observed_at__isnull=True) | Q(observed_at__lt=cutoff)
        )
        expired = set(candidates.values_list("pk", flat=True))
        needed = {i for i in Tip.objects.filter(pk__in=kept_tips).values_list("intel_item_id", flat=True) if i}
        items.held = len(expired & held_items)
        items.ids = sorted(expired - held_items - needed)
        # An import's log of skipped records may copy them (ids, values in the reasons): it goes
        # with the items, by the items' rule, counted from the import; its figures stay.
        imports = Planned(AgencyKind.POLICE, IMPORT_LOG, Disposal.ANONYMISE, item_rule)
        imports.ids = sorted(
            ImportBatch.objects.filter(agency__in=agencies, started_at__lt=cutoff)
            .exclude(errors=[])
            .values_list("pk", flat=True)
        )
        out.append(imports)

    network_rule = rules.get(RT.NETWORK)
    networks = Planned(AgencyKind.POLICE, RT.NETWORK, network_rule.disposal if network_rule else Disposal.KEEP, network_rule)
    out.append(networks)
    cutoff = _cutoff(network_rule, as_of) if network_rule else None
    if cutoff is not None:
        expired = set(
            Network.objects.filter(agency__in=agencies, updated_at__lt=cutoff)
            .filter(Q(last_seen__isnull=True) | Q(last_seen__lt=cutoff))
            .values_list("pk", flat=True)
        )
        needed = {n for n in Tip.objects.filter(pk__in=kept_tips).values_list("network_id", flat=True) if n}
        networks.held = len(expired & held_networks)
        networks.ids = sorted(expired - held_networks - needed)

    entity_rule = rules.get(RT.ENTITY)
    entities = Planned(AgencyKind.POLICE, RT.ENTITY, entity_rule.disposal if entity_rule else Disposal.KEEP, entity_rule)
    entities.held = len(held_entities)
    # Entities go when no item names them any more (their last use was their last item's):
    # found after the items are deleted (``_delete_orphan_entities``).
    out.append(entities)
    return out


PLANNERS: dict[str, list[Callable[[dt.date, list[Agency], dict[str, RetentionRule]], list[Planned]]]] = {
    AgencyKind.SOCIAL_SERVICES: [_plan_clients, _plan_concern_handling, _plan_concern_reports, _plan_extracts],
    AgencyKind.POLICE: [_plan_crime_reports, _plan_intel, _plan_extracts],
}


def plan(as_of: dt.date, agency: Agency | None = None) -> list[Planned]:
    out: list[Planned] = []
    for kind, planners in PLANNERS.items():
        agencies = list(Agency.objects.filter(kind=kind).filter(**({"pk": agency.pk} if agency else {})))
        if not agencies:
            continue
        rules = _rules(as_of, kind)
        for planner in planners:
            out.extend(p for p in planner(as_of, agencies, rules) if p.disposal != Disposal.KEEP or p.held)
    return out


# --- Doing it ------------------------------------------------------------------------------------


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _tokens(values: Iterable[Any]) -> set[str]:
    """The identifying values to look for in the log's text: each whole value, spaces normalised."""
    found = set()
    for value in values:
        text = " ".join(str(value).split()) if value else ""
        if len(text) >= MIN_TOKEN and text != ANONYMISED:
            found.add(text)
    return found


def redact_log(tokens: set[str], user: Any) -> int:
    """Replace each token in the audit log's free text by ``REDACTED``, through redaction events."""
    if not tokens:
        return 0
    ordered = sorted(tokens, key=len, reverse=True)
    # Whole words only: a name inside another word ("Elli" in "intelligence") is not the person.
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in ordered) + r")(?!\w)", re.IGNORECASE)
    count = 0
    for start in range(0, len(ordered), 100):
        chunk = ordered[start : start + 100]
        q = Q()
        for token in chunk:
            q |= Q(detail__icontains=token) | Q(purpose__icontains=token)
        for event in AuditEvent.objects.exclude(action=AuditAction.REDACT).filter(q).order_by("seq"):
            detail, purpose = pattern.sub(REDACTED, event.detail), pattern.sub(REDACTED, event.purpose)
            if (detail, purpose) != (event.detail, event.purpose):
                do_redact_event(event, detail=detail, purpose=purpose, user=user)
                count += 1
    return count


def _audit_counts(
    user: Any, record_type: str, action: str, count: int, as_of: dt.date, agency: Agency | None = None
) -> None:
    """The count, never the content; filed under the agency whose records they were, for its auditors."""
    if count:
        do_record_event(
            user=user,
            agency=agency,
            action=AuditAction.DELETE if action == Disposal.DELETE else AuditAction.UPDATE,
            record_type=AUDITED_AS.get(record_type, record_type),
            detail=f"retention purge as of {as_of.isoformat()}: {action} {count}"
            + (f" ({record_type})" if record_type in AUDITED_AS else ""),
            username="manage.py",
        )


def _clear_disclosures(record_type: str, ids: list[int], *, named_by: Q | None = None) -> None:
    # The disclosure holds no copy of the record; its own text goes with the record it names.
    # (A police record's case number, by which the requester named it, goes too.)
    # A request not yet matched to the record names it by an encounter (``named_by``).
    which = Q(record_id__in=ids) | (Q(record_id__isnull=True) & named_by) if named_by is not None else Q(record_id__in=ids)
    Disclosure.objects.filter(which, record_type=record_type).update(
        purpose="", assessment="", refusal_reason="", case_number=""
    )


def _anonymise_clients(ids: list[int], rules: dict[str, RetentionRule]) -> tuple[set[str], dict[str, int]]:
    clients = Client.objects.filter(pk__in=ids)
    tokens = _tokens(v for row in clients.values_list("pseudonym", "contact") for v in row)
    tokens |= _tokens(ClientIdentifier.objects.filter(client__in=ids).values_list("value", flat=True))
    counts: dict[str, int] = {}
    counts[RT.CLIENT] = clients.update(
        pseudonym=ANONYMISED, pseudonym_key=ANONYMISED.lower(), language="", contact="", protected_identity=False
    )
    ClientIdentifier.objects.filter(client__in=ids).delete()
    AgeAssessment.objects.filter(client__in=ids).delete()
    # The parts of the file follow their own rules, counted from the file's last entry.
    if (rule := rules.get(RT.SUPPORT_ACTION)) and rule.disposal == Disposal.ANONYMISE:
        counts[RT.SUPPORT_ACTION] = SupportAction.objects.filter(client__in=ids).update(note="")
    if (rule := rules.get(RT.REFERRAL)) and rule.disposal == Disposal.ANONYMISE:
        referrals = Referral.objects.filter(client__in=ids)
        counts[RT.REFERRAL] = referrals.update(note="")
        # A declined referral keeps a reason (a constraint): the reason's text goes.
        referrals.exclude(decline_reason="").update(decline_reason=ANONYMISED)
    if (rule := rules.get("consent")) and rule.disposal != Disposal.KEEP:
        counts["consent"] = Consent.objects.filter(client__in=ids).delete()[0]
    for record_type in (RT.CLIENT, RT.SUPPORT_ACTION, RT.REFERRAL):
        model: Any = {RT.CLIENT: Client, RT.SUPPORT_ACTION: SupportAction, RT.REFERRAL: Referral}[record_type]
        part_ids = ids if record_type == RT.CLIENT else list(model.objects.filter(client__in=ids).values_list("pk", flat=True))
        _clear_disclosures(
            record_type, part_ids, named_by=Q(encounter__client_link__client__in=ids) if record_type == RT.CLIENT else None
        )
    return tokens, counts


def _anonymise_concern_handling(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    handlings = ConcernHandling.objects.filter(pk__in=ids)
    count = handlings.update(protection_assessment="", closure_reason="")
    return set(), {RT.CONCERN_HANDLING: count}


def _anonymise_concern_reports(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    # The report, its dates, subject, agencies and encounter stay (the statistics count it);
    # the text of what happened goes.
    return set(), {RT.CHILD_CONCERN_REPORT: ChildConcernReport.objects.filter(pk__in=ids).update(summary="")}


def _delete_extracts(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    # The parts go with their extract (a frozen copy of what the agency held).
    # No redaction follows: the extract's events name it by its id, never the person's number,
    # and the person's own records (and their events) follow their own rules.
    deleted = Extract.objects.filter(pk__in=ids).delete()[1]
    return set(), {RT.REGISTER_EXTRACT: deleted.get(Extract._meta.label, 0)}


def _anonymise_crime_reports(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    count = 0
    for report in CrimeReport.objects.filter(pk__in=ids).only("pk"):
        CrimeReport.objects.filter(pk=report.pk).update(
            narrative="", awareness_basis="", case_number=f"GALLRAD-{report.pk}"[:24]
        )
        count += 1
    _clear_disclosures(RT.CRIME_REPORT, ids)
    return set(), {RT.CRIME_REPORT: count}


def _anonymise_suspects(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    suspects = list(Suspect.objects.filter(pk__in=ids).select_related("crime_report"))
    tokens = _tokens(v for s in suspects for v in (s.name, s.personnummer))
    new_keys: dict[str, str] = {}
    for suspect in suspects:
        key = new_keys.setdefault(suspect.person_key, f"gallrad:{uuid.uuid4().hex}")
        committed = timezone.localtime(suspect.crime_report.committed_at).date()
        Suspect.objects.filter(pk=suspect.pk).update(
            name="",
            personnummer="",
            # The exact date goes: only the year that the age at the offence already tells.
            birth_date=dt.date(committed.year - suspect.age_at_offence, 1, 1),
            person_key=key,
        )
    SuspectConsent.objects.filter(suspect__in=ids).delete()
    _clear_disclosures(RT.SUSPECT, ids)
    return tokens, {RT.SUSPECT: len(suspects)}


def _delete_tips(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    tips = Tip.objects.filter(pk__in=ids)
    tokens = _tokens(v for row in tips.values_list("source__name", "source__contact") for v in row)
    count = len(ids)
    tips.delete()
    return tokens, {RT.TIP: count}


def _delete_items(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    items = IntelItem.objects.filter(pk__in=ids)
    tokens: set[str] = set()
    for names, phones, emails, handles in items.values_list("names", "phones", "emails", "handles"):
        tokens |= _tokens([*names, *phones, *emails, *handles])
    count = len(ids)
    agencies = set(items.values_list("agency_id", flat=True))
    touched = set(Network.objects.filter(memberships__item__in=ids).values_list("pk", flat=True))
    Tip.objects.filter(intel_item__in=ids).update(intel_item=None)
    items.delete()
    # The saved linkage index holds the items' values: it goes too (the next linking runs in full).
    LinkState.objects.filter(agency__in=agencies).delete()
    counts: dict[str, int] = {RT.INTEL_ITEM: count}
    removed = _recount_networks(touched)
    if removed:
        counts[RT.NETWORK] = removed
    return tokens, counts


def _recount_networks(network_ids: set[int]) -> int:
    """The networks that lost items: counted again as linking counts them, removed when empty.

    Their indicators and figures (items, entities, cities, venues, growth, rank) are computed by
    linking's own functions. A network left without items goes, unless a hold or a kept tip
    needs it: then it stays dissolved, as linking leaves an emptied network.
    """
    if not network_ids:
        return 0
    networks = Network.objects.filter(pk__in=network_ids)
    indicators.refresh(networks)
    refresh_figures(network_ids)
    held = LegalHold.objects.held_ids(RT.NETWORK)
    empty = set(
        networks.filter(memberships__isnull=True)
        .exclude(pk__in=held)
        .exclude(pk__in=Tip.objects.filter(network__isnull=False).values("network"))
        .values_list("pk", flat=True)
    )
    return _remove_networks(sorted(empty))


def _remove_networks(ids: list[int]) -> int:
    NetworkFollowUp.objects.filter(network__in=ids).delete()
    Network.objects.filter(merged_into__in=ids).update(merged_into=None)
    return Network.objects.filter(pk__in=ids).delete()[1].get(Network._meta.label, 0)


def _delete_networks(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    # A network may already have gone with its last items (``_recount_networks``).
    return set(), {RT.NETWORK: _remove_networks(ids)}


def _clear_import_logs(ids: list[int]) -> tuple[set[str], dict[str, int]]:
    # No redaction follows: the import's events name no skipped record, and a skipped record's
    # id may be a kept item's (a duplicate), whose events must stay as they are.
    return set(), {IMPORT_LOG: ImportBatch.objects.filter(pk__in=ids).update(errors=[])}


def _delete_orphan_entities(agencies: list[Agency], held: set[int]) -> tuple[set[str], int]:
    orphans = Entity.objects.filter(agency__in=agencies, item_links__isnull=True).exclude(pk__in=held)
    tokens = _tokens(orphans.values_list("value", flat=True))
    ids = list(orphans.values_list("pk", flat=True))
    for batch in _batches(ids):
        Entity.objects.filter(pk__in=batch).delete()
    return tokens, len(ids)


WORKERS: dict[str, Callable[[list[int]], tuple[set[str], dict[str, int]]]] = {
    RT.CONCERN_HANDLING: _anonymise_concern_handling,
    RT.CRIME_REPORT: _anonymise_crime_reports,
    RT.SUSPECT: _anonymise_suspects,
    RT.TIP: _delete_tips,
    RT.INTEL_ITEM: _delete_items,
    RT.NETWORK: _delete_networks,
    IMPORT_LOG: _clear_import_logs,
    RT.CHILD_CONCERN_REPORT: _anonymise_concern_reports,
    RT.REGISTER_EXTRACT: _delete_extracts,
}


def purge(
    as_of: dt.date,
    *,
    dry_run: bool = False,
    agency: Agency | None = None,
    user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Purge every record past its rule on ``as_of`` (or, with ``dry_run``, only say what would go)."""
    planned = plan(as_of, agency)
    result = Result(as_of, dry_run, planned)
    if dry_run:
        return result
    for p in planned:
        if p.disposal == Disposal.KEEP or not p.ids:
            continue
        rules = _rules(as_of, p.agency_kind)
        owners = list(Agency.objects.filter(kind=p.agency_kind).filter(**({"pk": agency.pk} if agency else {}))[:2])
        owner = owners[0] if len(owners) == 1 else None
        for batch in _batches(p.ids):
            with transaction.atomic():
                if p.record_type == RT.CLIENT:
                    tokens, counts = _anonymise_clients(batch, rules)
                else:
                    tokens, counts = WORKERS[p.record_type](batch)
                for record_type, count in counts.items():
                    action = rules[record_type].disposal if record_type in rules else p.disposal
                    _audit_counts(user, record_type, action, count, as_of, owner)
                    result.done[(record_type, action)] += count
                result.redacted += redact_log(tokens, user)
            if progress is not None:
                progress(len(batch))
    if any(p.record_type == RT.ENTITY and p.disposal == Disposal.DELETE for p in planned):
        agencies = list(Agency.objects.filter(kind=AgencyKind.POLICE).filter(**({"pk": agency.pk} if agency else {})))
        with transaction.atomic():
            tokens, count = _delete_orphan_entities(agencies, _held(RT.ENTITY, agencies))
            _audit_counts(user, RT.ENTITY, Disposal.DELETE, count, as_of, agencies[0] if len(agencies) == 1 else None)
            result.done[(RT.ENTITY, Disposal.DELETE)] += count
            result.redacted += redact_log(tokens, user)
    return result
