"""The police never see how social services handle a child-concern report.

The filed report is shared: the police read the reports they filed. The
handling (status, protection assessment, decision, investigation, closure,
handler, and their times) is social services' own record,
``support.ConcernHandling``, which the policy table closes to the police.

Every handling field is given a canary value, and every page, search and
export a police user can open around the report (the shift, the crime
report, the suspect, the disclosures, the results, intelligence, the audit
log) is read by every police persona: no canary may appear. The social
worker's page shows them, so the canaries are visible where they belong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from samverkan.accounts.models import Agency, Collaboration, Membership, Role, User
from samverkan.demo.reference import seed_all_reference
from samverkan.investigations import actions as police
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.operations import actions as ops
from samverkan.operations.models import ChildConcernReport, Shift
from samverkan.sharing.models import Disclosure
from samverkan.support import actions as social
from samverkan.support.models import ConcernHandling
from samverkan.tests import common

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ASSESSMENT = "KANARIE-skyddsbedömning"
REASON = "KANARIE-avslutsorsak"
STATUS = "kanarie-status"
DECISION = "kanarieB"  # fits the field's eight characters
HANDLER_NAME = ("Kanariefågel", "Handläggarsson")
HANDLER_USERNAME = "kanarie.handlaggare"
# Each time field its own day of a year nothing else in the test uses.
TIMES = {
    "protection_assessed_at": dt.datetime(2037, 1, 11, 1, 11, tzinfo=STOCKHOLM),
    "decided_at": dt.datetime(2037, 2, 12, 2, 12, tzinfo=STOCKHOLM),
    "investigation_closed_at": dt.datetime(2037, 3, 13, 3, 13, tzinfo=STOCKHOLM),
    "closed_at": dt.datetime(2037, 4, 14, 4, 14, tzinfo=STOCKHOLM),
}
# The year as a date shows it (ISO, or spelt out), not as four digits of a hash.
CANARIES = (ASSESSMENT, REASON, STATUS, DECISION, *HANDLER_NAME, HANDLER_USERNAME, "2037-", " 2037")
HANDLING_FIELDS = {f.name for f in ConcernHandling._meta.get_fields()} - {"report", "agency"}

Login = Callable[[User], HttpClient]
login = common.login  # the English two-factor login of the apps' tests


def personnummer(birth: dt.date) -> str:
    return common.personnummer(birth, "456")


def body_of(response: Any) -> str:
    """The page, or the whole of a streamed export."""
    chunks = response.streaming_content if response.streaming else [response.content]
    return b"".join(chunks).decode()


# The forms that start an export job, with what they post.
EXPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    *(("/resultat/export/", {"fmt": fmt}) for fmt in ("text", "json", "csv")),
    ("/jobb/export/logg/", {}),
)


class World:
    """A shift with a child met, a crime report with a buyer of 16, both reports handled."""

    def __init__(self, personas: dict[str, User]) -> None:
        seed_all_reference()
        officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
        stockholm = Collaboration.objects.get(code="stockholm")
        self.venue, _ = ops.do_find_or_create_venue(
            collaboration=stockholm, kind="hotel", name="Hotell Kanarie", address="Provgatan 3", acting_user=officer
        )
        self.shift: Shift = common.started_shift(
            stockholm, self.venue, planner=officer, staff=[officer, worker], hours_ago=2
        )
        child = common.record_encounter(
            self.shift, self.venue, officer, role="exploited", age_band="under_18"
        )
        # Wherever the offences' reference data lives.
        offences: Any = CrimeReport._meta.get_field("offence").related_model
        offence = offences.objects.get(key="brb-6-11")
        self.crime: CrimeReport = police.do_create_crime_report(
            collaboration=stockholm, case_number="K424242-26", offence=offence,
            committed_at=timezone.now() - dt.timedelta(minutes=30), venue=self.venue, shift=self.shift,
            acting_user=officer,
        )
        day = timezone.localdate(self.crime.committed_at)
        self.suspect: Suspect = police.do_add_suspect(
            self.crime, name="Ung Köparsson", role="buyer", acting_user=officer,
            personnummer=personnummer(day.replace(year=day.year - 16) - dt.timedelta(days=40)),
        )
        assert self.suspect.child_concern_report is not None
        self.reports = [ChildConcernReport.objects.get(encounter=child), self.suspect.child_concern_report]
        self.disclosure = Disclosure.objects.get(concern_report=self.suspect.child_concern_report)

        # A social worker who has since left: no list of colleagues names them, only the handling.
        handler = User.objects.create(
            username=HANDLER_USERNAME, first_name=HANDLER_NAME[0], last_name=HANDLER_NAME[1], is_active=False
        )
        Membership.objects.create(
            user=handler, agency=Agency.objects.get(code="stockholms-stad"), role=Role.SOCIAL_WORKER
        )
        for report in self.reports:
            # Handled through the actions (audited as social services do it), then every field a canary.
            social.do_assess_protection(report, assessment=ASSESSMENT, acting_user=worker)
            social.do_decide_concern(report, decision="open", acting_user=worker)
            social.do_finish_investigation(report, acting_user=worker)
            social.do_close_concern(report, reason=REASON, acting_user=worker)
            ConcernHandling.objects.filter(report=report).update(
                status=STATUS, decision=DECISION, handled_by=handler, **TIMES
            )
        handling = ConcernHandling.objects.get(report=self.reports[0])
        assert {name for name in HANDLING_FIELDS if getattr(handling, name) in (None, "")} == set()

    def police_urls(self) -> list[str]:
        shift, crime = self.shift.pk, self.crime.pk
        return [
            reverse("web:start"),
            reverse("operations:shift_list"),
            reverse("operations:shift_calendar"),
            reverse("operations:shift_detail", args=[shift]),
            reverse("operations:venue_list") + "?q=Kanarie",
            reverse("operations:venue_detail", args=[self.venue.pk]),
            reverse("investigations:report_list"),
            reverse("investigations:report_list") + "?q=K424242",
            reverse("investigations:report_detail", args=[crime]),
            reverse("investigations:suspect_detail", args=[self.suspect.pk]),
            reverse("sharing:inbox"),
            reverse("sharing:outbox"),
            reverse("sharing:counts"),
            reverse("sharing:detail", args=[self.disclosure.pk]),
            reverse("reports:results"),
            reverse("intel:tip_list"),
            reverse("intel:item_list") + "?q=Kanarie",
            reverse("intel:entity_list") + "?q=Kanarie",
            reverse("intel:network_list") + "?q=Kanarie",
            reverse("audit:event_list"),
            reverse("support:concern_inbox"),
            reverse("support:client_list"),
            *(reverse("support:concern_detail", args=[r.pk]) for r in self.reports),
        ]


@pytest.fixture
def world(personas: dict[str, User]) -> World:
    with translation.override("en"):
        return World(personas)


def test_the_shared_report_has_no_handling_field_and_no_way_to_it() -> None:
    """What a page, an export or the API's schema can take from the report: nothing handled."""
    fields = ChildConcernReport._meta.get_fields()
    assert {f.name for f in fields} & (HANDLING_FIELDS | {"status"}) == set()
    assert not [f for f in fields if f.related_model is ConcernHandling]


def test_no_police_page_search_or_export_shows_a_handling_field(
    world: World, personas: dict[str, User], login: Login
) -> None:
    police = [u for u in personas.values() if u.agency is not None and u.agency.is_police]
    assert len(police) >= 5
    read = 0
    for user in police:
        http = login(user)
        for url in world.police_urls():
            response = http.get(url)
            assert response.status_code in (200, 404), (user.username, url, response.status_code)
            if response.status_code != 200:
                continue
            read += 1
            body = body_of(response)
            found = [c for c in CANARIES if c in body]
            assert not found, (user.username, url, found)
        for report in world.reports:
            assert http.get(reverse("support:concern_detail", args=[report.pk])).status_code == 404
        # The exports are jobs: their files, downloaded from the job's page, hold no canary either.
        for url, data in EXPORTS:
            started = http.post(url, data)
            assert started.status_code in (302, 404), (user.username, url, data, started.status_code)
            if started.status_code != 302:
                continue
            download = http.get(started["Location"] + "fil/")
            assert download.status_code == 200, (user.username, url, data)
            read += 1
            found = [c for c in CANARIES if c in body_of(download)]
            assert not found, (user.username, url, data, found)
    assert read > 40

    # The pages did show the filed reports, only not their handling.
    officer = login(personas["polis.inre"])
    assert 'id="concern-notice"' in officer.get(reverse("operations:shift_detail", args=[world.shift.pk])).content.decode()
    for url in (
        reverse("investigations:report_detail", args=[world.crime.pk]),
        reverse("investigations:suspect_detail", args=[world.suspect.pk]),
    ):
        assert "A child-concern report was sent to" in officer.get(url).content.decode(), url


def test_the_social_worker_sees_the_canaries(world: World, personas: dict[str, User], login: Login) -> None:
    http = login(personas["soc.handlaggare"])
    body = http.get(reverse("support:concern_detail", args=[world.reports[0].pk])).content.decode()
    # (The investigation's end is shown for an opened investigation only, which the canary decision is not.)
    for canary in (ASSESSMENT, REASON, STATUS, DECISION, "2037-01-11", "2037-02-12", "2037-04-14"):
        assert canary in body, canary
