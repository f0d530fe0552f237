"""Client pages through HTTP with the personas: who sees what, and what each form refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditEvent
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions
from samverkan.support.models import (
    AgeAssessment,
    Client,
    ClientEncounter,
    Consent,
    Referral,
    SupportAction,
    SupportUnit,
)
from samverkan.support.tests.conftest import (
    NOT_SOCIAL_WORKERS,
    ClientFactory,
    EncounterFactory,
    Login,
    disclosed,
    personnummer,
    years_ago,
)

pytestmark = pytest.mark.django_db

LIST = reverse("support:client_list")
CREATE = reverse("support:client_create")
BIRTH = dt.date(1998, 7, 14)
NUMBER = personnummer(BIRTH, 421)  # YYYYMMDD-NNNC, synthetic

# Everyone but the social workers of the client's own agency.
NO_CLIENT_ACCESS = (*NOT_SOCIAL_WORKERS, "gbg.handlaggare")


def detail_url(client: Client) -> str:
    return reverse("support:client_detail", args=[client.pk])


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def body(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def rosa(make_client: ClientFactory) -> Client:
    return make_client("Rosa Ros", birth=BIRTH, serial=421)


# --- Happy paths -------------------------------------------------------------------------


def test_create_a_client(social: HttpClient, units: None) -> None:
    response = social.post(
        CREATE,
        {
            "pseudonym": "Rosa Ros",
            "identifier_kind": "personnummer",
            "identifier": NUMBER[2:],  # ten digits with dash
            "stated_age": "27",
            "language": "engelska",
            "contact": "Via mottagningen",
        },
    )
    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(client)
    assert client.identifiers.get().value == NUMBER.replace("-", "")
    assert AgeAssessment.objects.get(client=client).basis == "stated"
    page = social.get(detail_url(client))
    assert page.status_code == 200
    assert "Rosa Ros" in body(page)
    assert NUMBER in body(page)


def test_create_page_renders(social: HttpClient) -> None:
    response = social.get(CREATE)
    assert response.status_code == 200
    assert 'name="pseudonym"' in body(response)


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"identifier": "19980714-4212"}, "The last digit does not match"),
        ({"identifier": "19980231-4210"}, "real date of birth"),
        ({"identifier": "hello"}, "YYMMDD-NNNN"),
        ({"identifier": ""}, "Enter the number"),
        ({"identifier_kind": "passport"}, "Select a valid choice"),
        ({"pseudonym": ""}, "This field is required"),
        ({"stated_age": "200"}, "less than or equal to 120"),
        ({"identifier_kind": "reserve", "identifier": "R1", "issuer": ""}, "Say who issued"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    social: HttpClient, units: None, data: dict[str, str], field_error: str
) -> None:
    posted = {"pseudonym": "Rosa", "identifier_kind": "personnummer", "identifier": NUMBER} | data
    before = AuditEvent.objects.count()
    response = social.post(CREATE, posted)
    assert response.status_code == 400
    assert field_error in body(response)
    assert Client.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_create_with_a_known_number_opens_the_existing_client(
    social: HttpClient, rosa: Client
) -> None:
    response = social.post(
        CREATE,
        {
            "pseudonym": "Ny",
            "identifier_kind": "personnummer",
            "identifier": NUMBER.replace("-", ""),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(rosa)
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [NUMBER, NUMBER.replace("-", ""), NUMBER[2:], NUMBER[2:].replace("-", ""), "rosa", "ROS"],
)
def test_search_by_pseudonym_or_number_in_any_spelling(
    social: HttpClient, rosa: Client, make_client: ClientFactory, query: str
) -> None:
    make_client("Lila", birth=dt.date(1990, 1, 1))
    response = social.post(LIST, {"q": query})
    assert response.status_code == 200
    assert "Rosa Ros" in body(response)
    assert "Lila" not in body(response)


def test_search_explains_a_mistyped_number(social: HttpClient, rosa: Client) -> None:
    response = social.post(LIST, {"q": NUMBER[:-1] + "0"})
    assert response.status_code == 200
    assert "Not a valid identity number" in body(response)
    assert "Rosa Ros" not in body(response)


def test_list_is_audited(social: HttpClient, rosa: Client) -> None:
    social.get(LIST)
    event = last_event()
    assert (event.action, event.record_type) == ("list", "client")
    assert f"ids={rosa.pk}" in event.detail


def test_every_read_of_a_client_writes_a_view_event(social: HttpClient, rosa: Client) -> None:
    for _ in range(3):
        before = AuditEvent.objects.filter(
            action="view", record_type="client", record_id=str(rosa.pk)
        ).count()
        assert social.get(detail_url(rosa)).status_code == 200
        after = AuditEvent.objects.filter(
            action="view", record_type="client", record_id=str(rosa.pk)
        ).count()
        assert after == before + 1
    assert social.get(reverse("support:client_edit", args=[rosa.pk])).status_code == 200
    assert last_event().action == "view"


def test_protected_identity_shows_numbers_on_the_detail_page_only(
    social: HttpClient, make_client: ClientFactory
) -> None:
    hidden = make_client("Skyddad", birth=BIRTH, serial=421, protected=True)
    # The query is echoed in the search box: search in spellings other than the one displayed.
    for query in ("", "skyddad", NUMBER[2:]):
        response = social.post(LIST, {"q": query})
        assert "Skyddad" in body(response)
        assert NUMBER not in body(response)
        assert NUMBER.replace("-", "") not in body(response)
        assert "Nås via mottagningen" not in body(response)
    # A purpose first (need-to-know): nothing of the client until it is given.
    asked = social.get(detail_url(hidden))
    assert asked.status_code == 200
    assert NUMBER not in body(asked) and "Nås via mottagningen" not in body(asked)
    given = social.post(
        reverse("sharing:purpose"),
        {"record_type": "client", "record": hidden.pk, "purpose": "Stödsamtal"},
    )
    assert given.status_code == 302
    response = social.get(detail_url(hidden))
    assert NUMBER in body(response)
    assert "Nås via mottagningen" in body(response)
    event = last_event()
    assert (event.action, event.record_id, event.detail, event.purpose) == (
        "view",
        str(hidden.pk),
        "protected personal data",
        "Stödsamtal",
    )


def test_edit_a_client(social: HttpClient, rosa: Client) -> None:
    url = reverse("support:client_edit", args=[rosa.pk])
    response = social.post(
        url, {"pseudonym": "Rosa R", "language": "", "contact": "", "protected_identity": "on"}
    )
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert (rosa.pseudonym, rosa.protected_identity, rosa.contact) == ("Rosa R", True, "")
    event = last_event()
    assert (event.action, event.record_id) == ("update", str(rosa.pk))
    response = social.post(url, {"pseudonym": ""})
    assert response.status_code == 400


# --- Forms on the client page ---------------------------------------------------------------


def test_add_identifier_age_support_consent(social: HttpClient, make_client: ClientFactory) -> None:
    client = make_client("Lila")
    today = timezone.localdate().isoformat()
    response = social.post(
        reverse("support:client_add_identifier", args=[client.pk]),
        {"identifier-identifier_kind": "personnummer", "identifier-identifier": NUMBER},
    )
    assert response.status_code == 302
    assert client.identifiers.get().value == NUMBER.replace("-", "")
    response = social.post(
        reverse("support:client_add_age", args=[client.pk]),
        {
            "age-basis": "professional",
            "age-min_years": "16",
            "age-max_years": "18",
            "age-assessed_on": today,
        },
    )
    assert response.status_code == 302
    response = social.post(
        reverse("support:client_add_support_action", args=[client.pk]),
        {"support-kind": "informed", "support-happened_on": today, "support-note": "Info om Mika"},
    )
    assert response.status_code == 302
    response = social.post(
        reverse("support:client_add_consent", args=[client.pk]),
        {
            "consent-scope": "share_with_police",
            "consent-given_by": "client",
            "consent-given_on": today,
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(client=client)
    response = social.post(reverse("support:consent_withdraw", args=[consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active
    page = body(social.get(detail_url(client)))
    assert "Info om Mika" in page
    assert "16–18" in page


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        (
            "client_add_identifier",
            {
                "identifier-identifier_kind": "personnummer",
                "identifier-identifier": "19980714-4211",
            },
            "The last digit does not match",
        ),
        (
            "client_add_age",
            {"age-basis": "stated", "age-min_years": "17", "age-assessed_on": "2025-02-30"},
            "Enter a valid date",
        ),
        (
            "client_add_age",
            {"age-basis": "dice", "age-min_years": "17", "age-assessed_on": "2025-02-03"},
            "Select a valid choice",
        ),
        (
            "client_add_age",
            {
                "age-basis": "stated",
                "age-min_years": "17",
                "age-max_years": "15",
                "age-assessed_on": "2025-02-03",
            },
            "cannot be lower",
        ),
        ("client_add_support_action", {"support-kind": "informed"}, "This field is required"),
        (
            "client_add_support_action",
            {"support-kind": "informed", "support-happened_on": "2999-01-01"},
            "cannot be in the future",
        ),
        (
            "client_add_support_action",
            {
                "support-kind": "informed",
                "support-happened_on": "2025-01-01",
                "support-encounter": "999999",
            },
            "Select a valid choice",
        ),
        (
            "client_add_referral",
            {"referral-unit": "999999", "referral-sent_on": "2025-01-01"},
            "Select a valid choice",
        ),
        (
            "client_add_referral",
            {"referral-unit": "abc", "referral-sent_on": "2025-01-01"},
            "Select a valid choice",
        ),
        (
            "client_add_consent",
            {
                "consent-scope": "other",
                "consent-given_by": "client",
                "consent-given_on": "2025-01-01",
            },
            "Describe what the consent covers",
        ),
        (
            "client_add_consent",
            {
                "consent-scope": "everything",
                "consent-given_by": "client",
                "consent-given_on": "2025-01-01",
            },
            "Select a valid choice",
        ),
    ],
)
def test_client_page_forms_refuse_bad_input(
    social: HttpClient, rosa: Client, url_name: str, data: dict[str, str], message: str
) -> None:
    counts = (
        rosa.identifiers.count(),
        AgeAssessment.objects.count(),
        SupportAction.objects.count(),
        Referral.objects.count(),
        Consent.objects.count(),
    )
    response = social.post(reverse(f"support:{url_name}", args=[rosa.pk]), data)
    assert response.status_code == 400
    assert message in body(response)
    assert counts == (
        rosa.identifiers.count(),
        AgeAssessment.objects.count(),
        SupportAction.objects.count(),
        Referral.objects.count(),
        Consent.objects.count(),
    )


def test_adding_another_clients_number_links_to_that_client(
    social: HttpClient, rosa: Client, make_client: ClientFactory
) -> None:
    other = make_client("Lila")
    response = social.post(
        reverse("support:client_add_identifier", args=[other.pk]),
        {"identifier-identifier_kind": "personnummer", "identifier-identifier": NUMBER},
    )
    assert response.status_code == 400
    assert "already belongs to another client" in body(response)
    assert detail_url(rosa) in body(response)


def test_referral_flow_with_the_age_rule(social: HttpClient, make_client: ClientFactory) -> None:
    child = make_client("Ung", birth=years_ago(15))
    mika = SupportUnit.objects.get(code="sthlm-mikamottagningen")
    youth = SupportUnit.objects.get(code="sthlm-ungdomsjouren")
    today = timezone.localdate().isoformat()
    url = reverse("support:client_add_referral", args=[child.pk])
    response = social.post(url, {"referral-unit": mika.pk, "referral-sent_on": today})
    assert response.status_code == 400
    assert "A child cannot be referred there" in body(response)
    assert Referral.objects.count() == 0
    response = social.post(url, {"referral-unit": youth.pk, "referral-sent_on": today})
    assert response.status_code == 302
    referral = Referral.objects.get()
    status_url = reverse("support:referral_status", args=[referral.pk])
    prefix = f"referral-{referral.pk}"
    response = social.post(status_url, {f"{prefix}-status": "closed", f"{prefix}-on": today})
    assert response.status_code == 400
    assert "cannot become closed" in body(response)
    response = social.post(status_url, {f"{prefix}-status": "received", f"{prefix}-on": today})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "received"
    event = last_event()
    assert (event.action, event.record_type, event.record_id) == (
        "update",
        "referral",
        str(referral.pk),
    )


def test_link_client_to_an_encounter_chosen_by_shift(
    social: HttpClient, rosa: Client, encounter: EncounterFactory
) -> None:
    met = encounter("adult")
    url = reverse("support:client_link_encounter", args=[rosa.pk])
    page = social.get(url)
    assert page.status_code == 200
    assert f'value="{met.shift_id}"' in body(page)
    page = social.get(url, {"shift": met.shift_id})
    assert page.status_code == 200
    assert f'value="{met.pk}"' in body(page)
    assert social.get(url, {"shift": "999999"}).status_code == 400
    assert social.get(url, {"shift": "x"}).status_code == 400
    response = social.post(url, {"encounter": met.pk})
    assert response.status_code == 302
    link = ClientEncounter.objects.get(encounter=met)
    assert link.client == rosa and link.age_years is not None and link.age_years >= 18
    assert social.post(url, {"encounter": "999999"}).status_code == 400


def test_outsider_cannot_link_to_stockholm_encounters(
    personas: dict[str, User], login: Login, encounter: EncounterFactory, units: None
) -> None:
    outsider = personas["gbg.handlaggare"]
    client, _created = actions.do_create_client(pseudonym="Väst", acting_user=outsider)
    met = encounter("adult")
    http = login(outsider)
    url = reverse("support:client_link_encounter", args=[client.pk])
    assert f'value="{met.pk}"' not in body(http.get(url, {"shift": met.shift_id}))
    assert http.post(url, {"encounter": met.pk}).status_code == 400
    assert not ClientEncounter.objects.exists()


# --- Who sees what ---------------------------------------------------------------------------


def client_pages(client: Client) -> list[str]:
    return [
        detail_url(client),
        reverse("support:client_edit", args=[client.pk]),
        reverse("support:client_link_encounter", args=[client.pk]),
    ]


def write_urls(client: Client) -> list[str]:
    return [
        reverse(f"support:{name}", args=[client.pk])
        for name in (
            "client_edit",
            "client_add_identifier",
            "client_add_age",
            "client_add_support_action",
            "client_add_referral",
            "client_add_consent",
            "client_link_encounter",
        )
    ]


@pytest.mark.parametrize("username", NO_CLIENT_ACCESS)
def test_nobody_else_sees_a_client(
    personas: dict[str, User], login: Login, rosa: Client, username: str
) -> None:
    user = personas[username]
    http = login(user)
    detail = http.get(detail_url(rosa))
    assert detail.status_code == 404
    denied = last_event()
    assert (denied.action, denied.username, denied.record_type) == ("denied", username, "client")
    for url in client_pages(rosa)[1:]:
        assert http.get(url).status_code in (403, 404)
    for query in ("", "Rosa", NUMBER[2:]):
        response = http.post(LIST, {"q": query})
        assert response.status_code in (200, 404)
        assert "Rosa Ros" not in body(response)
        assert NUMBER not in body(response)
    for url in write_urls(rosa):
        assert http.post(url, {}).status_code in (403, 404)
    inbox = http.get(reverse("support:concern_inbox"))
    assert inbox.status_code in (200, 404)
    assert "Rosa Ros" not in body(inbox)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("polis.inre", 200),  # police: only what a disclosure granted (none here)
        ("polis.utredare", 200),
        ("polis.analytiker", 200),
        ("soc.chef", 404),  # aggregates only
        ("soc.samordnare", 404),
        ("soc.granskare", 404),
        ("soc.admin", 404),
        ("gbg.handlaggare", 200),  # a social worker, but of another agency
    ],
)
def test_list_status_by_role(
    personas: dict[str, User], login: Login, rosa: Client, username: str, status: int
) -> None:
    response = login(personas[username]).get(LIST)
    assert response.status_code == status
    assert "Rosa Ros" not in body(response)


@pytest.mark.parametrize(
    "username", ["polis.inre", "polis.utredare", "polis.analytiker", "soc.chef"]
)
def test_read_only_roles_get_403_on_writes(
    personas: dict[str, User], login: Login, rosa: Client, username: str
) -> None:
    http = login(personas[username])
    assert http.post(CREATE, {"pseudonym": "X"}).status_code == 403
    assert http.get(CREATE).status_code == 403
    for url in write_urls(rosa):
        assert http.post(url, {}).status_code == 403
    assert Client.objects.count() == 1


def test_police_see_only_the_disclosed_client_and_fields(
    personas: dict[str, User], login: Login, rosa: Client, make_client: ClientFactory
) -> None:
    other = make_client("Lila Lind", birth=dt.date(1990, 1, 1))
    today = timezone.localdate()
    action = actions.do_record_support_action(
        rosa,
        kind="accepted",
        happened_on=today,
        note="Hemlig anteckning",
        acting_user=rosa.created_by,
    )
    actions.do_record_consent(
        rosa,
        scope="share_with_police",
        given_by="client",
        given_on=today,
        acting_user=rosa.created_by,
    )
    grants = {RecordType.CLIENT: {rosa.pk: frozenset({"pseudonym", "consents"})}}
    with disclosed(grants):
        police = login(personas["polis.utredare"])
        listed = body(police.get(LIST))
        assert "Rosa Ros" in listed
        assert "Lila Lind" not in listed
        assert NUMBER not in listed and "svenska" not in listed
        # A number finds nothing: identifiers were not disclosed.
        assert "Rosa Ros" not in body(police.post(LIST, {"q": NUMBER}))
        police.post(
            reverse("sharing:purpose"),
            {"record_type": "client", "record": rosa.pk, "purpose": "Förundersökning"},
        )
        detail = police.get(detail_url(rosa))
        assert detail.status_code == 200
        page = body(detail)
        assert "Rosa Ros" in page and "Share information with the police" in page
        assert NUMBER not in page
        assert "Nås via mottagningen" not in page and "svenska" not in page
        assert "Hemlig anteckning" not in page  # support actions are not part of the grant
        assert 'method="post"' not in page.split("<main", 1)[1]
        assert last_event().action == "view"
        assert police.get(detail_url(other)).status_code == 404
        assert police.post(reverse("support:client_add_age", args=[rosa.pk]), {}).status_code == 403
        assert police.post(reverse("support:consent_withdraw", args=[1]), {}).status_code == 403
        # The social workers' own agency is unaffected; Göteborg still sees nothing.
        assert login(personas["gbg.handlaggare"]).get(detail_url(rosa)).status_code == 404
    with disclosed({RecordType.SUPPORT_ACTION: {action.pk: frozenset({"kind", "note"})}}):
        police = login(personas["polis.utredare"])
        assert (
            police.get(detail_url(rosa)).status_code == 404
        )  # the client itself was not disclosed


def test_police_with_a_disclosed_number_find_the_client_by_it(
    personas: dict[str, User], login: Login, rosa: Client
) -> None:
    with disclosed({RecordType.CLIENT: {rosa.pk: frozenset({"identifiers"})}}):
        police = login(personas["polis.inre"])
        listed = body(police.post(LIST, {"q": NUMBER[2:]}))
        assert NUMBER in listed
        assert "Rosa Ros" not in listed  # the pseudonym was not disclosed
        assert f"Client {rosa.pk}" in listed


def test_another_agencys_records_cannot_be_changed_by_tampered_ids(
    personas: dict[str, User], login: Login, rosa: Client, units: None
) -> None:
    today = timezone.localdate()
    referral = actions.do_refer(
        rosa,
        unit=SupportUnit.objects.get(code="halso-och-sjukvard"),
        sent_on=today,
        acting_user=rosa.created_by,
    )
    consent = actions.do_record_consent(
        rosa,
        scope="share_with_police",
        given_by="client",
        given_on=today,
        acting_user=rosa.created_by,
    )
    outsider = login(personas["gbg.handlaggare"])
    prefix = f"referral-{referral.pk}"
    response = outsider.post(
        reverse("support:referral_status", args=[referral.pk]),
        {f"{prefix}-status": "received", f"{prefix}-on": today.isoformat()},
    )
    assert response.status_code == 404
    assert outsider.post(reverse("support:consent_withdraw", args=[consent.pk])).status_code == 404
    referral.refresh_from_db()
    consent.refresh_from_db()
    assert referral.status == "sent" and consent.is_active


def test_missing_records_are_404(social: HttpClient, units: None) -> None:
    assert social.get(reverse("support:client_detail", args=[999999])).status_code == 404
    assert social.get("/stod/klienter/abc/").status_code == 404
    assert social.get(reverse("support:client_detail", args=[2**70])).status_code == 404
    assert social.post(reverse("support:referral_status", args=[999999]), {}).status_code == 404
    assert social.post(reverse("support:consent_withdraw", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("method", "url_name", "with_pk"),
    [
        ("put", "client_list", False),
        ("delete", "client_create", False),
        ("post", "client_detail", True),
        ("get", "client_add_identifier", True),
        ("get", "client_add_age", True),
        ("get", "client_add_support_action", True),
        ("get", "client_add_referral", True),
        ("get", "client_add_consent", True),
        ("get", "referral_status", True),
        ("get", "consent_withdraw", True),
        ("put", "client_edit", True),
        ("put", "client_link_encounter", True),
    ],
)
def test_wrong_method_is_405(
    social: HttpClient, rosa: Client, method: str, url_name: str, with_pk: bool
) -> None:
    url = reverse(f"support:{url_name}", args=[rosa.pk] if with_pk else [])
    assert getattr(social, method)(url).status_code == 405


def test_anonymous_is_sent_to_login(client: HttpClient, rosa: Client) -> None:
    response = client.get(detail_url(rosa))
    assert response.status_code == 302
    assert "/konto/" in response["Location"]


def test_client_page_query_count_does_not_grow_with_records(
    social: HttpClient,
    rosa: Client,
    encounter: EncounterFactory,
    django_assert_max_num_queries: Any,
) -> None:
    worker = rosa.created_by
    today = timezone.localdate()
    for _ in range(5):
        actions.do_link_encounter(rosa, encounter=encounter("adult"), acting_user=worker)
        actions.do_record_support_action(
            rosa, kind="informed", happened_on=today, acting_user=worker
        )
        actions.do_record_consent(
            rosa, scope="share_with_police", given_by="client", given_on=today, acting_user=worker
        )
        actions.do_refer(
            rosa, unit=SupportUnit.objects.get(code="talita"), sent_on=today, acting_user=worker
        )
    with django_assert_max_num_queries(40):
        assert social.get(detail_url(rosa)).status_code == 200
    with django_assert_max_num_queries(25):
        assert social.get(LIST).status_code == 200


def test_the_concern_report_of_a_linked_encounter_shows_on_the_client_page(
    social: HttpClient, rosa: Client, encounter: EncounterFactory
) -> None:
    met = encounter("under_18")
    actions.do_link_encounter(rosa, encounter=met, acting_user=rosa.created_by)
    report = ChildConcernReport.objects.get(encounter=met)
    assert reverse("support:concern_detail", args=[report.pk]) in body(social.get(detail_url(rosa)))


def test_a_searched_identity_number_never_lands_in_a_url(social: HttpClient) -> None:
    """The search is a POST: proxies, access logs and browser history never see the number."""
    page = social.get(LIST).content.decode()
    assert '<form method="post" action="/stod/klienter/"' in page
    assert social.get(LIST, {"q": "19900101-0017"}).status_code == 200  # a GET query is ignored
