"""A small world with records of every agency-owned type, of both agencies, in two collaborations.

Built through the real actions (and the real import for intelligence) by
``build_world``, for the fuzz test and the canary leak crawl. Every free-text
and identifying field holds a canary: a unique string (``KNR00001Z``…) that is
recorded with the record type it belongs to and the agencies whose scope
reaches it, so that a test can say from the policy table who may see it.

Two sides: Stockholm (the personas' collaboration, with every role) and
Göteborg (another region's police and social services, behind the wall).
``World.ids`` gives, by kind, the path values a route needs (ids of both
sides' records), for ``samverkan.tests.routes``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, pairwise
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from samverkan.accounts.models import (
    Agency,
    Area,
    AreaKind,
    AreaMapping,
    Collaboration,
    Membership,
    Role,
    User,
)
from samverkan.accounts.policy import RecordType
from samverkan.extracts import actions as extracts
from samverkan.intel import actions as intel
from samverkan.intel import indicators, linking
from samverkan.intel.importing import import_file
from samverkan.intel.models import ImportBatch, Indicator, IntelItem, LinkRun, Network, NetworkLink
from samverkan.investigations import actions as police
from samverkan.legal.models import Offence
from samverkan.lib.identity import luhn_check_digit
from samverkan.operations import actions as ops
from samverkan.retention.actions import do_place_hold
from samverkan.sharing.actions import do_request_disclosure
from samverkan.support import actions as social
from samverkan.support.actions import age_refusal
from samverkan.support.models import ClientIdentifier, SupportUnit


@dataclass(frozen=True)
class Canary:
    """A unique string planted in one field of one record."""

    text: str
    where: str  # model.field, for the report
    record_type: RecordType
    owners: frozenset[int]  # agencies whose OWN_AGENCY scope reaches the record
    creator: int | None  # the agency that filed it (CREATED_BY_OWN_AGENCY)
    collaboration: int  # the collaboration of a shared fact (COLLABORATION)
    # A label figures are broken down by (an operation's name): shown with the figures too.
    in_figures: bool = False


@dataclass
class World:
    ids: dict[str, list[Any]] = field(default_factory=dict)
    canaries: list[Canary] = field(default_factory=list)

    def add(self, kind: str, *values: Any) -> None:
        self.ids.setdefault(kind, [])
        for value in values:
            if value not in self.ids[kind]:
                self.ids[kind].append(value)


_numbers: Iterator[int] = count(1)


@dataclass
class _Side:
    world: World
    collaboration: Collaboration
    police_agency: Agency
    social_agency: Agency
    officer: User
    worker: User
    analyst: User | None

    def canary(
        self, where: str, record_type: RecordType, *, owner: Agency, creator: Agency | None = None,
        in_figures: bool = False,
    ) -> str:
        text = f"KNR{next(_numbers):05d}Z"
        self.world.canaries.append(
            Canary(
                text, where, record_type, frozenset({owner.pk}), creator.pk if creator else None, self.collaboration.pk,
                in_figures,
            )
        )
        return text

    def police(self, where: str, record_type: RecordType) -> str:
        return self.canary(where, record_type, owner=self.police_agency)

    def social(self, where: str, record_type: RecordType) -> str:
        return self.canary(where, record_type, owner=self.social_agency)

    def shared(self, where: str, record_type: RecordType) -> str:
        # Shared facts belong to the collaboration: both agencies' staff in it may read them.
        return self.canary(where, record_type, owner=self.police_agency)

    def identity(self, where: str, record_type: RecordType, owner: Agency, born: dt.date) -> str:
        """A personnummer no one else has, as a canary (its ten-digit form)."""
        serial = f"{next(_numbers) % 1000:03d}"
        if serial == "000":
            serial = "001"
        short = f"{born:%y%m%d}{serial}"
        text = f"{born:%y%m%d}-{serial}{luhn_check_digit(short)}"
        self.world.canaries.append(Canary(text, where, record_type, frozenset({owner.pk}), None, self.collaboration.pk))
        return f"{born:%Y%m%d}-{serial}{luhn_check_digit(short)}"


def _years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1) - dt.timedelta(days=40)


def _side(world: World, side: _Side, area: Area, offences: dict[str, Offence]) -> None:
    rt = RecordType
    now = timezone.now()
    officer, worker = side.officer, side.worker
    collab = side.collaboration
    world.add("agency", side.police_agency.pk, side.social_agency.pk)

    # --- Shared facts: venues, shifts, the log, encounters, child-concern reports.
    venue, _created = ops.do_find_or_create_venue(
        collaboration=collab, kind="hotel", name=side.shared("Venue.name", rt.VENUE),
        address=side.shared("Venue.address", rt.VENUE), acting_user=officer,
    )
    operation = ops.do_create_operation(
        collaboration=collab,
        name=side.canary("Operation.name", rt.SHIFT, owner=side.police_agency, in_figures=True),
        description=side.shared("Operation.description", rt.SHIFT), acting_user=officer,
    )
    start = now - dt.timedelta(hours=3)
    shift = ops.do_create_shift(
        collaboration=collab, area=area, starts_at=start, ends_at=start + dt.timedelta(hours=6), basis="outreach",
        operation=operation, planned_venues=[venue], briefing=side.shared("Shift.briefing", rt.SHIFT), acting_user=officer,
    )
    for user in (officer, worker):
        ops.do_add_participant(shift, user=user, acting_user=officer)
    ops.do_start_shift(shift, acting_user=officer)
    ops.do_write_log(shift, text=side.shared("ShiftLogEntry.text", rt.SHIFT), acting_user=officer)
    later = ops.do_create_shift(
        collaboration=collab, area=area, starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=5), basis="intelligence", acting_user=officer,
    )
    ops.do_cancel_shift(later, reason=side.shared("Shift.cancel_reason", rt.SHIFT), acting_user=officer)
    adult, _ = ops.do_record_encounter(
        shift, role="exploited", age_band="adult", venue=venue, acting_user=officer, occurred_at=now - dt.timedelta(hours=2)
    )
    minor, _ = ops.do_record_encounter(
        shift, role="exploited", age_band="under_18", venue=venue, acting_user=officer,
        occurred_at=now - dt.timedelta(hours=1),
    )
    buyer, _ = ops.do_record_encounter(
        shift, role="buyer", age_band="adult", venue=venue, acting_user=officer, occurred_at=now - dt.timedelta(minutes=50)
    )
    concern = ops.do_file_child_concern_report(
        collaboration=collab, subject="exploited", encounter=minor, acting_user=officer,
        summary=side.canary("ChildConcernReport.summary", rt.CHILD_CONCERN_REPORT, owner=side.social_agency,
                            creator=side.police_agency),
    )
    world.add("shift", shift.pk, later.pk)
    world.add("venue", venue.pk)
    world.add("participant", officer.pk, worker.pk)
    world.add("concern", concern.pk)
    world.add("encounter", adult.pk, minor.pk, buyer.pk)

    # --- Social services: a client with everything, and the handling of the concern report.
    client, _ = social.do_create_client(
        pseudonym=side.social("Client.pseudonym", rt.CLIENT),
        identifier_kind="personnummer",
        identifier_value=side.identity("ClientIdentifier.value", rt.CLIENT, side.social_agency, _years_ago(24)),
        language=side.social("Client.language", rt.CLIENT),
        contact=side.social("Client.contact", rt.CLIENT),
        acting_user=worker,
    )
    social.do_record_age_assessment(
        client, min_years=20, max_years=25, basis="professional", assessed_on=timezone.localdate(),
        note=side.social("AgeAssessment.note", rt.CLIENT), acting_user=worker,
    )
    social.do_link_encounter(client, encounter=adult, acting_user=worker)
    social.do_record_support_action(
        client, kind="informed", happened_on=timezone.localdate(), encounter=adult,
        note=side.social("SupportAction.note", rt.SUPPORT_ACTION), acting_user=worker,
    )
    unit = next(
        u for u in SupportUnit.objects.available_to(side.social_agency).order_by("code")
        if u.is_valid_on(timezone.localdate()) and age_refusal(u, client, timezone.localdate()) is None
    )
    referral = social.do_refer(
        client, unit=unit, sent_on=timezone.localdate(), note=side.social("Referral.note", rt.REFERRAL), acting_user=worker
    )
    social.do_update_referral(
        referral, status="declined", on=timezone.localdate(),
        reason=side.social("Referral.decline_reason", rt.REFERRAL), acting_user=worker,
    )
    second = social.do_refer(client, unit=unit, sent_on=timezone.localdate(), acting_user=worker)
    consent = social.do_record_consent(
        client, scope="other", given_by="client", given_on=timezone.localdate(),
        detail=side.social("Consent.detail", rt.CLIENT), acting_user=worker,
    )
    child, _ = social.do_create_client(
        pseudonym=side.social("Client.pseudonym", rt.CLIENT), stated_age=15, acting_user=worker,
    )
    social.do_assess_protection(
        concern, assessment=side.social("ConcernHandling.protection_assessment", rt.CONCERN_HANDLING), acting_user=worker
    )
    social.do_link_concern_to_client(concern, client=child, acting_user=worker)
    world.add("client", client.pk, child.pk)

    # --- A register extract of the client: one approved with a withheld part, one a draft.
    number = ClientIdentifier.objects.get(client=client).value
    for approve in (True, False):
        extract = extracts.do_create_extract(
            subject_kind="personnummer", subject_identifier=number, received_on=timezone.localdate(),
            acting_user=worker,
        )
        part = extract.parts.filter(section="support").order_by("position").last()
        assert part is not None
        extracts.do_withhold_part(
            part, provision="osl-26-1", reason=side.social("ExtractPart.reason", rt.REGISTER_EXTRACT),
            acting_user=worker,
        )
        if approve:
            extracts.do_approve_extract(extract, acting_user=worker)
        world.add("extract", extract.pk)
        world.add("extract_part", part.pk)
    world.add("referral", referral.pk, second.pk)
    world.add("consent", consent.pk)

    # --- The police: a crime report with a suspect and a witness.
    report = police.do_create_crime_report(
        collaboration=collab, case_number=f"K{next(_numbers) + 100000}-26", offence=offences["brb-6-11"],
        committed_at=now - dt.timedelta(minutes=45), shift=shift, venue=venue,
        narrative=side.police("CrimeReport.narrative", rt.CRIME_REPORT), acting_user=officer,
    )
    suspect = police.do_add_suspect(
        report, name=side.police("Suspect.name", rt.SUSPECT), role="buyer", encounter=buyer,
        personnummer=side.identity("Suspect.personnummer", rt.SUSPECT, side.police_agency, _years_ago(45)),
        acting_user=officer,
    )
    police.do_add_party(report, encounter=adult, kind="witness", acting_user=officer)
    world.add("crime_report", report.pk)
    world.add("suspect", suspect.pk)

    # --- Legal holds: one on each agency's record, the reason a canary of the agency's own.
    held_client = do_place_hold(
        record_type=rt.CLIENT, record_id=client.pk, reason=side.social("LegalHold.reason", rt.LEGAL_HOLD),
        acting_user=worker,
    )
    held_report = do_place_hold(
        record_type=rt.CRIME_REPORT, record_id=report.pk, reason=side.police("LegalHold.reason", rt.LEGAL_HOLD),
        acting_user=officer,
    )
    world.add("legal_hold", held_client.pk, held_report.pk)

    # --- A disclosure request: police ask social services about the adult they met.
    disclosure = do_request_disclosure(
        owning_agency=side.social_agency, record_type="client", fields=["pseudonym"], encounter=adult,
        purpose="Identifiering inför förhör", acting_user=officer,
    )
    world.add("disclosure", disclosure.pk)
    # The notifications the concern report and the request left (each its recipient's only).
    from samverkan.notices.models import Notice

    world.add("notice", *Notice.objects.filter(link__contains=f"/{disclosure.pk}/").values_list("pk", flat=True))
    world.add("notice", *Notice.objects.filter(link__contains=f"/{concern.pk}/").values_list("pk", flat=True))

    # --- Tips, with their source, and intelligence.
    tip = intel.do_submit_tip(
        collaboration=collab, what=side.police("Tip.what", rt.TIP), where=side.police("Tip.where", rt.TIP),
        city="Stockholm", when_text=side.police("Tip.when_text", rt.TIP), source_type="public",
        source_name=side.police("TipSource.name", rt.TIP), source_contact=side.police("TipSource.contact", rt.TIP),
        source_relation=side.police("TipSource.relation", rt.TIP), acting_user=worker,
    )
    closed = intel.do_submit_tip(
        collaboration=collab, what=side.police("Tip.what", rt.TIP), source_type="anonymous", acting_user=officer,
    )
    world.add("tip", tip.pk, closed.pk)
    if side.analyst is not None:
        intel.do_assess_tip(
            tip, relevance="high", urgency="soon", assessment=side.police("Tip.assessment", rt.TIP),
            acting_user=side.analyst,
        )
        intel.do_assess_tip(closed, relevance="low", urgency="routine", assessment="", acting_user=side.analyst)
        intel.do_close_tip(closed, note=side.police("Tip.closing_note", rt.TIP), acting_user=side.analyst)
    _intel(world, side)


def _intel(world: World, side: _Side) -> None:
    rt = RecordType
    agency = side.police_agency
    phone = f"+4670{next(_numbers) + 1000000:07d}"
    records = []
    for n in range(3):
        name = side.police("IntelItem.names", rt.INTEL_ITEM)
        records.append({
            "id": side.police("IntelItem.external_id", rt.INTEL_ITEM),
            "kind": "ad",
            "observed_at": (timezone.now() - dt.timedelta(days=3 + n)).isoformat(),
            "source": side.police("IntelItem.source", rt.INTEL_ITEM),
            "title": side.police("IntelItem.title", rt.INTEL_ITEM),
            "text": side.police("IntelItem.text", rt.INTEL_ITEM),
            "phones": [phone],
            "emails": [side.police("IntelItem.emails", rt.INTEL_ITEM).lower() + "@example.org"],
            "urls": ["https://example.org/" + side.police("IntelItem.urls", rt.INTEL_ITEM)],
            "handles": ["@" + side.police("IntelItem.handles", rt.INTEL_ITEM)],
            "names": [name],
            "age": 17 if n == 0 else 23,
            "city": side.police("IntelItem.city", rt.INTEL_ITEM),
            "address": side.police("IntelItem.address", rt.INTEL_ITEM) + " 3",
        })
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        summary = import_file(path, agency=agency, display_name=side.police("ImportBatch.file_name", rt.INTEL_ITEM))
    assert summary.created == 3, summary.errors
    items = list(IntelItem.objects.filter(agency=agency, external_id__in=[r["id"] for r in records]).order_by("pk"))
    key = f"N-{next(_numbers)}"
    explanation = {"kind": "identifier", "shared": [{"kind": "phone", "value": phone}], "items_with_identifier": 3,
                   "match_weight": 11.2}
    result = linking.LinkResult(
        assignments={item.pk: key for item in items},
        links=[linking.PairLink(a.pk, b.pk, 11.2, 0.999, explanation) for a, b in pairwise(items)],
    )
    run = LinkRun.objects.create(agency=agency, mode=LinkRun.Mode.BATCH, backend="test")
    changed = linking._store(agency, result, run, full=False)
    indicators.refresh(Network.objects.filter(pk__in=changed))
    linking.refresh_figures(changed)
    network = Network.objects.get(agency=agency, key=key)
    if side.analyst is not None:
        for indicator in Indicator.objects.filter(network=network):
            intel.do_review_indicator(
                indicator, status="confirmed", note=side.police("Indicator.review_note", rt.NETWORK),
                acting_user=side.analyst,
            )
    world.add("item", *(i.pk for i in items))
    world.add("entity", *IntelItem.objects.filter(pk__in=[i.pk for i in items]).values_list("entity_links__entity", flat=True))
    world.add("network", network.key)
    world.add("network_link", *NetworkLink.objects.filter(network=network).values_list("pk", flat=True))
    world.add("indicator", *Indicator.objects.filter(network=network).values_list("pk", flat=True))
    world.add("import", *ImportBatch.objects.filter(agency=agency).values_list("pk", flat=True))


def build_world(personas: dict[str, User]) -> World:
    """Records of both agencies in Stockholm and in Göteborg, canaries in every free-text field."""
    world = World()
    offences = {o.key: o for o in Offence.objects.all()}
    stockholm = Collaboration.objects.get(code="stockholm")
    goteborg = Collaboration.objects.get(code="goteborg")
    sthlm_police = personas["polis.inre"].agency
    sthlm_social = personas["soc.handlaggare"].agency
    west_police = personas["vast.polis"].agency
    west_social = personas["gbg.handlaggare"].agency
    assert sthlm_police and sthlm_social and west_police and west_social
    west_area, _ = Area.objects.get_or_create(
        code="test-lpo-hisingen",
        defaults={"name": "Hisingen (test)", "kind": AreaKind.LOCAL_POLICE_AREA, "agency": west_police},
    )
    sides = (
        (_Side(world, stockholm, sthlm_police, sthlm_social, personas["polis.inre"], personas["soc.handlaggare"],
               personas["polis.analytiker"]), Area.objects.get(code="lpo-farsta")),
        (_Side(world, goteborg, west_police, west_social, personas["vast.polis"], personas["gbg.handlaggare"], None),
         west_area),
    )
    for side, area in sides:
        _side(world, side, area, offences)
    # The user administration's own objects (no case data), for its routes: users made for the
    # purpose, as a fuzz may delete them or change their passwords.
    for agency in (sthlm_police, sthlm_social, west_police):
        user = User.objects.create_user(username=f"extra.{agency.code}", first_name="Extra", password=None)
        Membership.objects.create(user=user, agency=agency, role=Role.POLICE_OFFICER if agency.is_police else Role.SOCIAL_WORKER)
        world.add("user", user.pk)
    world.add("area", *Area.objects.order_by("pk").values_list("pk", flat=True)[:3], west_area.pk)
    world.add("collaboration", stockholm.pk, goteborg.pk)
    world.add("areamapping", *AreaMapping.objects.order_by("pk").values_list("pk", flat=True)[:2])
    world.add("content_type", ContentType.objects.get_for_model(User).pk)
    return world
