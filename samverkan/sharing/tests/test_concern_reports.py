"""A suspect under 18: the concern report carries the child's identity as a disclosure.

The duty to report concern for a child obliges the police to give social
services what they need to act on the report, which is who the child is:
exactly the identity fields, on the basis in force on the day, delivered at
once, audited, and read by the social worker through the normal gate.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import Collaboration, User
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditEvent
from samverkan.investigations import actions as police
from samverkan.investigations.disclosure import CONCERN_REPORT_FIELDS
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.legal.models import LegalBasis, Offence
from samverkan.operations.models import ChildConcernReport
from samverkan.sharing.gate import grants
from samverkan.sharing.models import MAX_PERIOD, Disclosure, DisclosureStatus, Reach

from .conftest import SECRET_NARRATIVE, Login, ReportFactory, personnummer
from .test_gate import leaked_instances

pytestmark = pytest.mark.django_db

STOCKHOLM_TZ = ZoneInfo("Europe/Stockholm")
POLICE = "polisregion-stockholm"
SOCIAL = "stockholms-stad"
CHILD_NAME = "Ung Köparsson"
IDENTITY = ["name", "personnummer", "birth_date", "age_at_offence"]


def born_before(report: CrimeReport, years: int) -> dt.date:
    """A birth date that makes someone ``years`` old (not ``years + 1``) at the offence."""
    day = timezone.localdate(report.committed_at)
    return day.replace(year=day.year - years) - dt.timedelta(days=40)


def add(report: CrimeReport, officer: User, *, age: int, name: str = CHILD_NAME) -> Suspect:
    return police.do_add_suspect(
        report,
        name=name,
        personnummer=personnummer(born_before(report, age), "456"),
        role="buyer",
        acting_user=officer,
    )


def report_on(officer: User, offence: Offence, number: str) -> CrimeReport:
    """A report without a shift, made at the (travelled) current time."""
    return police.do_create_crime_report(
        collaboration=Collaboration.objects.get(code="stockholm"),
        case_number=number,
        offence=offence,
        committed_at=timezone.now() - dt.timedelta(hours=1),
        narrative=SECRET_NARRATIVE,
        acting_user=officer,
    )


# --- The action ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "basis_code"),
    [
        (dt.datetime(2025, 6, 30, 12, 0, tzinfo=STOCKHOLM_TZ), "sol-2001-453-14-1"),
        (dt.datetime(2025, 7, 1, 12, 0, tzinfo=STOCKHOLM_TZ), "sol-2025-400-orosanmalan"),
    ],
    ids=["old-sol", "new-sol"],
)
def test_a_minor_suspect_is_disclosed_with_the_concern_report_on_the_basis_of_the_day(
    officer: User,
    offences: dict[str, Offence],
    bases: dict[str, LegalBasis],
    day: dt.datetime,
    basis_code: str,
) -> None:
    with time_machine.travel(day, tick=False):
        report = report_on(officer, offences["brb-6-11"], "K200001-25")
        suspect = add(report, officer, age=16)
    concern = ChildConcernReport.objects.get()
    assert suspect.child_concern_report == concern
    d = Disclosure.objects.get()
    assert d.status == DisclosureStatus.ACCEPTED
    assert d.record_type == RecordType.SUSPECT
    assert d.record_id == suspect.pk
    assert d.fields_granted == IDENTITY
    assert d.fields_requested == IDENTITY
    assert list(CONCERN_REPORT_FIELDS) == IDENTITY
    assert d.legal_basis == bases[basis_code]
    assert d.owning_agency.code == POLICE
    assert d.requesting_agency == concern.addressed_to
    assert d.requesting_agency.code == SOCIAL
    assert d.collaboration == report.collaboration
    assert d.concern_report == concern
    assert not d.made_orally
    assert d.decided_by == officer
    assert d.decided_at == d.accepted_at == day
    # In Swedish whatever the interface (the tests run in English), naming the basis.
    assert "anmälningsskyldighet" in d.assessment
    assert d.legal_basis.provision in d.assessment
    assert d.purpose
    # Delivered: social services' agency reads exactly those fields, nothing of the report,
    # for a year (the report is addressed to the agency); then the grant lapses.
    assert d.reach == Reach.AGENCY
    assert d.valid_until == day.date() + MAX_PERIOD
    with time_machine.travel(day + dt.timedelta(days=1), tick=False):
        worker_grants = grants(_worker(), RecordType.SUSPECT)
        assert worker_grants == {suspect.pk: frozenset(IDENTITY)}
        assert grants(_worker(), RecordType.CRIME_REPORT) == {}
    with time_machine.travel(day + MAX_PERIOD + dt.timedelta(days=1), tick=False):
        assert grants(_worker(), RecordType.SUSPECT) == {}


def _worker() -> User:
    return User.objects.get(username="soc.handlaggare")


@pytest.mark.parametrize("age", [18, 45])
def test_a_suspect_of_18_or_over_is_not_disclosed(
    officer: User, make_report: ReportFactory, age: int
) -> None:
    suspect = add(make_report(), officer, age=age)
    assert suspect.child_concern_report is None
    assert not ChildConcernReport.objects.exists()
    assert not Disclosure.objects.exists()


def test_the_disclosure_is_audited_like_any_other(
    officer: User, make_report: ReportFactory
) -> None:
    suspect = add(make_report(), officer, age=15)
    d = Disclosure.objects.get()
    on_disclosure = AuditEvent.objects.get(
        action="disclose", record_type="disclosure", record_id=str(d.pk)
    )
    on_record = AuditEvent.objects.get(
        action="disclose", record_type="suspect", record_id=str(suspect.pk)
    )
    for event in (on_disclosure, on_record):
        assert event.username == officer.username
        assert f"child-concern report {suspect.child_concern_report_id}" in event.detail
        assert "sol-2025-400-orosanmalan" in event.detail
        assert ",".join(IDENTITY) in event.detail
        assert f"from {POLICE} to {SOCIAL}" in event.detail
        # Details name ids, codes and field names, never a value.
        assert CHILD_NAME not in event.detail


def test_a_correction_revealing_a_minor_discloses_too(
    officer: User, make_report: ReportFactory
) -> None:
    report = make_report()
    suspect = add(report, officer, age=30)
    assert not Disclosure.objects.exists()
    # The age at the offence stays as registered (30); the corrected birth date shows 16.
    corrected = police.do_correct_suspect_identity(
        suspect, name=CHILD_NAME, birth_date=born_before(report, 16), acting_user=officer
    )
    assert corrected.age_at_offence == 30
    d = Disclosure.objects.get()
    assert d.record_id == suspect.pk
    assert d.concern_report_id == corrected.child_concern_report_id
    assert d.legal_basis is not None and d.legal_basis.code == "sol-2025-400-orosanmalan"


def test_without_a_valid_basis_the_concern_report_is_still_filed_and_it_is_logged(
    officer: User,
    make_report: ReportFactory,
    bases: dict[str, LegalBasis],
    caplog: pytest.LogCaptureFixture,
) -> None:
    LegalBasis.objects.filter(code="sol-2025-400-orosanmalan").delete()
    with caplog.at_level(logging.WARNING, logger="samverkan.sharing.actions"):
        suspect = add(make_report(), officer, age=16)
    assert suspect.child_concern_report is not None
    assert Suspect.objects.filter(pk=suspect.pk, child_concern_report__isnull=False).exists()
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="disclose").exists()
    assert f"child-concern report {suspect.child_concern_report_id}" in caplog.text
    assert "no legal basis" in caplog.text
    assert CHILD_NAME not in caplog.text


def test_handing_over_twice_makes_one_disclosure(officer: User, make_report: ReportFactory) -> None:
    suspect = add(make_report(), officer, age=16)
    assert suspect.child_concern_report is not None
    again = police.do_hand_over_identity(suspect, acting_user=officer)
    assert again == Disclosure.objects.get()


def test_only_the_police_that_filed_it_hand_it_over(
    officer: User, personas: dict[str, User], make_report: ReportFactory
) -> None:
    from django.core.exceptions import PermissionDenied

    suspect = add(make_report(), officer, age=16)
    assert suspect.child_concern_report is not None
    Disclosure.objects.all().delete()
    for username in ("vast.polis", "soc.handlaggare"):
        with pytest.raises(PermissionDenied):
            police.do_hand_over_identity(suspect, acting_user=personas[username])
    assert not Disclosure.objects.exists()


# --- The pages -----------------------------------------------------------------------------


@pytest.fixture
def minor(officer: User, make_report: ReportFactory) -> Suspect:
    return add(make_report(), officer, age=16)


def concern_url(suspect: Suspect) -> str:
    return reverse("support:concern_detail", args=[suspect.child_concern_report_id])


def test_the_social_worker_sees_who_the_report_is_about(
    login: Login, worker: User, minor: Suspect
) -> None:
    response = login(worker).get(concern_url(minor))
    assert response.status_code == 200
    html = response.content.decode()
    assert CHILD_NAME in html
    assert minor.personnummer_display in html
    assert f"{minor.birth_date:%Y-%m-%d}" in html
    assert "SoL (2025:400)" in html  # the basis, named
    assert reverse("investigations:suspect_detail", args=[minor.pk]) in html
    # Nothing outside the grant: not the report's narrative, not its case number.
    assert SECRET_NARRATIVE not in html
    assert minor.crime_report.case_number not in html
    assert leaked_instances(response, [CrimeReport, Suspect]) == []
    [identity] = response.context["identities"]
    assert [field.label for field in identity.projection.body] == [
        "Personal identity number",
        "Date of birth",
        "Age at the offence",
    ]
    assert AuditEvent.objects.filter(
        username=worker.username,
        action="view",
        record_type="suspect",
        record_id=str(minor.pk),
        detail=f"owner={POLICE}; on child-concern report {minor.child_concern_report_id}",
        purpose=f"child-concern report {minor.child_concern_report_id}",
    ).exists()


def test_the_social_worker_reads_the_suspect_page_with_the_granted_fields_only(
    login: Login, worker: User, minor: Suspect
) -> None:
    http = login(worker)
    url = reverse("investigations:suspect_detail", args=[minor.pk])
    asked = http.get(url)
    assert asked.status_code == 200
    assert CHILD_NAME not in asked.content.decode()  # a purpose first
    given = http.post(
        reverse("sharing:purpose"),
        {"record_type": "suspect", "record": minor.pk, "purpose": "Utredning av orosanmälan"},
    )
    assert given.status_code == 302 and given["Location"] == url
    response = http.get(url)
    assert response.status_code == 200
    assert CHILD_NAME in response.content.decode()
    assert leaked_instances(response, [CrimeReport, Suspect]) == []
    assert [field.label for field in response.context["projection"].fields] == [
        "Name",
        "Personal identity number",
        "Date of birth",
        "Age at the offence",
    ]
    http = login(worker)
    report_page = http.get(reverse("investigations:report_detail", args=[minor.crime_report_id]))
    assert report_page.status_code == 404


def test_the_disclosure_is_in_both_agencies_lists(
    login: Login, officer: User, worker: User, minor: Suspect
) -> None:
    d = Disclosure.objects.get()
    detail = reverse("sharing:detail", args=[d.pk])
    police_list = login(officer).get(reverse("sharing:inbox")).content.decode()
    assert detail in police_list
    social_list = login(worker).get(reverse("sharing:outbox")).content.decode()
    assert detail in social_list
    page = login(officer).get(detail)
    assert page.status_code == 200
    assert "Handed over with child-concern report" in page.content.decode()


def test_a_social_worker_of_another_collaboration_gets_404(
    login: Login, personas: dict[str, User], minor: Suspect
) -> None:
    http = login(personas["gbg.handlaggare"])
    assert http.get(concern_url(minor)).status_code == 404
    assert http.get(reverse("investigations:suspect_detail", args=[minor.pk])).status_code == 404
    assert (
        http.get(reverse("sharing:detail", args=[Disclosure.objects.get().pk])).status_code == 404
    )


def test_a_police_officer_of_another_region_sees_nothing(
    login: Login, personas: dict[str, User], minor: Suspect
) -> None:
    http = login(personas["vast.polis"])
    d = Disclosure.objects.get()
    detail = reverse("sharing:detail", args=[d.pk])
    for name in ("sharing:inbox", "sharing:outbox"):
        html = http.get(reverse(name)).content.decode()
        assert detail not in html
        assert CHILD_NAME not in html
    assert http.get(detail).status_code == 404
    assert http.get(concern_url(minor)).status_code == 404
    assert http.get(reverse("investigations:suspect_detail", args=[minor.pk])).status_code == 404
