"""Social services' clients: creating and changing one, and what is recorded on them
(identity numbers, support, referrals and their steps, consent).

The same doors as the client pages (``support.views``): the role's permission first
(``require``: 403 for a role that may not write), the client through
``access_client_for_user`` for a change (hidden and missing both 404), the page's own form
for validation and the page's own ``do_*`` action to write. Reads stay at
``/records/client/`` and its kin, through the gate; ``GET /clients/{id}/`` answers only the
client's own agency, with the ETag that a change names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status

from samverkan.accounts.access import require
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, UPDATE_ERRORS, ApiError, ErrorOut
from samverkan.api.paging import MAX_ID
from samverkan.api.routes.records import purpose_required
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, check_if_match, cleaned, etag, form_data
from samverkan.sharing import gate
from samverkan.support import actions
from samverkan.support.access import (
    access_client_for_user,
    access_consent_for_user,
    access_referral_for_user,
)
from samverkan.support.forms import (
    AgeAssessmentForm,
    ClientCreateForm,
    ClientEditForm,
    ConsentForm,
    EncounterLinkForm,
    IdentifierForm,
    ReferralForm,
    ReferralStatusForm,
    SupportActionForm,
)
from samverkan.support.models import (
    MAX_AGE,
    AgeAssessment,
    AgeBasis,
    Client,
    ClientEncounter,
    ClientIdentifier,
    Consent,
    ConsentGiver,
    ConsentScope,
    IdentifierKind,
    Referral,
    ReferralStatus,
    SupportAction,
    SupportActionKind,
)

router = Router(tags=["clients"])
ClientId = Annotated[int, Path(ge=1, le=MAX_ID)]
ConsentId = Annotated[int, Path(ge=1, le=MAX_ID)]
ReferralId = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The pages' renames of an action's field names to the form's.
IDENTIFIER_RENAME = {"value": "identifier", "kind": "identifier_kind"}


def _json(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """A body as JSON, the form an idempotent create keeps to answer a retry with."""
    return schema.model_validate(data).model_dump(mode="json")


# --- Clients ------------------------------------------------------------------------------


class ClientIn(Schema):
    pseudonym: str = Field(max_length=100, description="What you call the person in your work.")
    identifier_kind: IdentifierKind = IdentifierKind.NONE
    identifier: str = Field("", max_length=100, description="YYYYMMDD-NNNN or YYMMDD-NNNN; empty for 'none known'.")
    issuer: str = Field("", max_length=100, description="For a reserve number: the region, municipality or agency.")
    stated_age: int | None = Field(None, ge=0, le=130)
    language: str = Field("", max_length=100)
    contact: str = Field("", max_length=200, description="How to reach the person, briefly.")
    protected_identity: bool = False


class ClientOut(Schema):
    id: int = Field(description="Read the client at /records/client/{id}/.")
    pseudonym: str
    protected_identity: bool


@router.post(
    "/clients/", response={200: ClientOut, 201: ClientOut, **ERRORS},
    summary="Create a client, or find the one with this identity number (Idempotency-Key)",
)
def create_client(request: HttpRequest, payload: ClientIn) -> Status[dict[str, Any]]:
    """201 with a new client; 200 with your agency's client who already has this identity number, as the page."""
    user = caller(request)
    require(user, RecordType.CLIENT, Action.CREATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = ClientCreateForm(form_data(payload.dict()))
        data = cleaned(form)
        ident = data["clean_identifier"]
        try:
            client, created = actions.do_create_client(
                pseudonym=data["pseudonym"], identifier_kind=ident.kind, identifier_value=ident.value,
                identifier_issuer=ident.issuer, stated_age=data["stated_age"], language=data["language"],
                contact=data["contact"], protected_identity=data["protected_identity"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc, IDENTIFIER_RENAME) from None
        out = {"id": client.pk, "pseudonym": client.pseudonym, "protected_identity": client.protected_identity}
        return (201 if created else 200), _json(ClientOut, out)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class ClientDetailOut(ClientOut):
    language: str
    contact: str


class ClientPatch(Schema):
    pseudonym: str | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=100)
    contact: str | None = Field(None, max_length=200)
    protected_identity: bool | None = None


def _client_detail(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk, "pseudonym": client.pseudonym, "protected_identity": client.protected_identity,
        "language": client.language, "contact": client.contact,
    }


def _own_client(user: User, client_id: int, action: Action) -> Client:
    """The client as the client's own agency reaches it; the other agency reads only what was
    disclosed, at /records/client/ (here 404, as for hidden and missing)."""
    if gate.is_disclosed_read(user, RecordType.CLIENT):
        raise Http404
    return access_client_for_user(user, client_id, action=action)


@router.get(
    "/clients/{client_id}/", response={200: ClientDetailOut, **ERRORS},
    summary="The client's own fields, with the ETag a change names (own agency only)",
)
def client(
    request: HttpRequest, client_id: ClientId, response: HttpResponse,
    purpose: Annotated[str, Query(max_length=300, pattern=r"^[^\x00]*$", description="Why you read it: required for a client with protected personal data.")] = "",
) -> dict[str, Any]:
    """A read of the client, audited as the client page's: a client with protected personal data
    is shown only to a reader who says why (428 without a purpose, as /records/client/{id}/)."""
    out = _client_detail(_read_client(caller(request), client_id, purpose))
    response["ETag"] = etag(out)
    return out


def _read_client(user: User, client_id: int, purpose: str) -> Client:
    """The client page's read, audited as it: the own agency's client only, a protected one only with a purpose."""
    if gate.is_disclosed_read(user, RecordType.CLIENT):
        raise Http404
    protected = Client.objects.visible_to(user, Action.VIEW).filter(pk=client_id, protected_identity=True).exists()
    if protected and not purpose.strip():
        raise purpose_required()
    return access_client_for_user(user, client_id, purpose=purpose.strip())


@router.patch(
    "/clients/{client_id}/", response={200: ClientDetailOut, **UPDATE_ERRORS},
    summary="Change a client's pseudonym, language, contact or protection (If-Match)",
)
def update_client(request: HttpRequest, client_id: ClientId, payload: ClientPatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    found = _own_client(user, client_id, Action.UPDATE)
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=found.pk)
        check_if_match(request, etag(_client_detail(locked)))
        data = {name: getattr(locked, name) for name in ("pseudonym", "language", "contact", "protected_identity")}
        data.update({name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None})
        # The page's form checks the input only; the action writes (the instance is not saved by the form).
        form = ClientEditForm(data, instance=Client(agency_id=locked.agency_id))
        fields = cleaned(form)
        try:
            actions.do_update_client(
                locked, pseudonym=fields["pseudonym"], language=fields["language"], contact=fields["contact"],
                protected_identity=fields["protected_identity"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    locked.refresh_from_db()
    out = _client_detail(locked)
    response["ETag"] = etag(out)
    return out


class IdentifierIn(Schema):
    identifier_kind: IdentifierKind = Field(description="'none' records that no number is known.")
    identifier: str = Field("", max_length=100, description="YYYYMMDD-NNNN or YYMMDD-NNNN, or the reserve number.")
    issuer: str = Field("", max_length=100, description="For a reserve number: the region, municipality or agency.")


class IdentifierOut(Schema):
    id: int
    client: int
    kind: str
    value: str = Field(description="As the client page shows it: YYYYMMDD-NNNN, or the reserve number.")
    issuer: str
    birth_date: dt.date | None
    added_at: dt.datetime


def _identifier(made: ClientIdentifier) -> dict[str, Any]:
    return _json(IdentifierOut, {
        "id": made.pk, "client": made.client_id, "kind": made.kind,
        "value": made.display if made.kind != IdentifierKind.NONE else "", "issuer": made.issuer,
        "birth_date": made.birth_date, "added_at": made.added_at,
    })


@router.post(
    "/clients/{client_id}/identifiers/", response={201: IdentifierOut, 409: ErrorOut, **ERRORS},
    summary="Add an identity number to a client (Idempotency-Key)",
)
def add_identifier(request: HttpRequest, client_id: ClientId, payload: IdentifierIn) -> Status[dict[str, Any]]:
    """As the client page: the number the client already has answers it again; a number of
    another client of the agency is a conflict (409) that names that client."""
    user = caller(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    found = access_client_for_user(user, client_id, action=Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = IdentifierForm(form_data(payload.dict()))
        data = cleaned(form)
        ident = data["clean_identifier"]
        try:
            made = actions.do_add_identifier(found, kind=ident.kind, value=ident.value, issuer=ident.issuer, acting_user=user)
        except actions.DuplicateIdentifier as exc:
            raise ApiError(
                409, "duplicate_identifier", _("This number already belongs to another client."),
                [{"field": "identifier", "message": " ".join(exc.messages), "client": exc.client.pk}],
            ) from None
        except ValidationError as exc:
            raise action_refused(form, exc, IDENTIFIER_RENAME) from None
        return 201, _identifier(made)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


# --- What is recorded on a client ---------------------------------------------------------


def _on_client(
    request: HttpRequest, client_id: int, record: RecordType, action: Action,
    make_form: Callable[[Client], forms.Form], write: Callable[[Client, dict[str, Any], User], Any],
    out: Callable[[Any], dict[str, Any]],
) -> Status[dict[str, Any]]:
    """As the client page's forms (``support.views._client_write``): the permission, the client
    to change, the page's form, the page's action; once per Idempotency-Key."""
    user = caller(request)
    require(user, record, action)
    client = access_client_for_user(user, client_id, action=Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = make_form(client)
        data = cleaned(form)
        try:
            made = write(client, data, user)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, out(made)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


def _today_unless(values: dict[str, Any], name: str) -> dict[str, Any]:
    data = form_data(values)
    data.setdefault(name, timezone.localdate())
    return data


class SupportActionIn(Schema):
    kind: SupportActionKind = Field(description="What was done.")
    happened_on: dt.date | None = Field(None, description="When; today if left out.")
    encounter: Id | None = Field(None, description="One of the client's own encounters.")
    note: str = Field("", max_length=2000)


class SupportActionOut(Schema):
    id: int
    client: int
    kind: str
    happened_on: dt.date
    encounter: int | None
    note: str


def _support_action(made: SupportAction) -> dict[str, Any]:
    return _json(SupportActionOut, {
        "id": made.pk, "client": made.client_id, "kind": made.kind, "happened_on": made.happened_on,
        "encounter": made.encounter_id, "note": made.note,
    })


@router.post(
    "/clients/{client_id}/support-actions/", response={201: SupportActionOut, **ERRORS},
    summary="Record support given to a client (Idempotency-Key)",
)
def record_support_action(request: HttpRequest, client_id: ClientId, payload: SupportActionIn) -> Status[dict[str, Any]]:
    return _on_client(
        request, client_id, RecordType.SUPPORT_ACTION, Action.CREATE,
        lambda client: SupportActionForm(_today_unless(payload.dict(), "happened_on"), client=client),
        lambda client, data, user: actions.do_record_support_action(client, acting_user=user, **data),
        _support_action,
    )


class AgeAssessmentIn(Schema):
    basis: AgeBasis = Field(description="What the age is based on.")
    min_years: int = Field(ge=0, le=MAX_AGE, description="The age; for a range, the lowest.")
    max_years: int | None = Field(None, ge=0, le=MAX_AGE, description="Only for a range: the highest age.")
    assessed_on: dt.date | None = Field(None, description="When; today if left out.")
    note: str = Field("", max_length=300)


class AgeAssessmentOut(Schema):
    id: int
    client: int
    basis: str
    min_years: int
    max_years: int
    assessed_on: dt.date
    note: str


def _age_assessment(made: AgeAssessment) -> dict[str, Any]:
    return _json(AgeAssessmentOut, {
        "id": made.pk, "client": made.client_id, "basis": made.basis, "min_years": made.min_years,
        "max_years": made.max_years, "assessed_on": made.assessed_on, "note": made.note,
    })


@router.get(
    "/clients/{client_id}/ages/", response={200: list[AgeAssessmentOut], **ERRORS},
    summary="A client's stated and assessed ages, the latest first",
)
def age_assessments(
    request: HttpRequest, client_id: ClientId,
    purpose: Annotated[str, Query(max_length=300, pattern=r"^[^\x00]*$", description="Why you read it: required for a client with protected personal data.")] = "",
) -> list[dict[str, Any]]:
    """As the client page shows them, its read audited as the page's (a protected client only with a purpose)."""
    user = caller(request)
    found = _read_client(user, client_id, purpose)
    return [_age_assessment(a) for a in AgeAssessment.objects.visible_to(user, Action.VIEW).filter(client=found)]


@router.post(
    "/clients/{client_id}/ages/", response={201: AgeAssessmentOut, **ERRORS},
    summary="Record a client's stated or assessed age, one value or a range (Idempotency-Key)",
)
def record_age_assessment(request: HttpRequest, client_id: ClientId, payload: AgeAssessmentIn) -> Status[dict[str, Any]]:
    """As the client page's age form: the statistics' established age at the client's encounters follows."""
    return _on_client(
        request, client_id, RecordType.CLIENT, Action.UPDATE,
        lambda client: AgeAssessmentForm(_today_unless(payload.dict(), "assessed_on")),
        lambda client, data, user: actions.do_record_age_assessment(client, acting_user=user, **data),
        _age_assessment,
    )


class EncounterLinkIn(Schema):
    encounter: Id = Field(description="An encounter of your collaboration's shifts, linked to no client yet.")


class EncounterLinkOut(Schema):
    client: int
    encounter: int
    age_years: int | None = Field(description="The client's age at the encounter, frozen on the link.")
    age_source: str
    age_band: str | None = Field(description="The established age band at the encounter; null while no age is established.")
    linked_at: dt.datetime


def _encounter_link(link: ClientEncounter) -> dict[str, Any]:
    return _json(EncounterLinkOut, {
        "client": link.client_id, "encounter": link.encounter_id, "age_years": link.age_years,
        "age_source": link.age_source, "age_band": link.age_band, "linked_at": link.linked_at,
    })


@router.post(
    "/clients/{client_id}/encounters/", response={201: EncounterLinkOut, **ERRORS},
    summary="Link the client to an encounter: the client is the person met (Idempotency-Key)",
)
def link_encounter(request: HttpRequest, client_id: ClientId, payload: EncounterLinkIn) -> Status[dict[str, Any]]:
    """As the client page's link: the age then is frozen on the link, open child-concern reports of
    the encounter follow the client; the same link again answers it as it is."""
    user = caller(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    client = access_client_for_user(user, client_id, action=Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = EncounterLinkForm(form_data(payload.dict()), user=user, shift=None)
        if not form.is_valid() and "encounter" in form.errors:
            # Already this client's: the form no longer offers it, the action would change nothing.
            linked = ClientEncounter.objects.filter(client=client, encounter_id=payload.encounter).first()
            if linked is not None:
                return 201, _encounter_link(linked)
        data = cleaned(form)
        try:
            link = actions.do_link_encounter(client, encounter=data["encounter"], acting_user=user)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _encounter_link(link)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class ReferralIn(Schema):
    unit: Id = Field(description="A support unit open to your agency that serves the client.")
    sent_on: dt.date | None = Field(None, description="When; today if left out.")
    note: str = Field("", max_length=2000)


class ReferralOut(Schema):
    id: int
    client: int
    unit: int
    status: str
    sent_on: dt.date
    note: str


def _referral(made: Referral) -> dict[str, Any]:
    return _json(ReferralOut, {
        "id": made.pk, "client": made.client_id, "unit": made.unit_id, "status": made.status,
        "sent_on": made.sent_on, "note": made.note,
    })


@router.post(
    "/clients/{client_id}/referrals/", response={201: ReferralOut, **ERRORS},
    summary="Refer a client to a support unit (Idempotency-Key)",
)
def refer(request: HttpRequest, client_id: ClientId, payload: ReferralIn) -> Status[dict[str, Any]]:
    return _on_client(
        request, client_id, RecordType.REFERRAL, Action.CREATE,
        lambda client: ReferralForm(_today_unless(payload.dict(), "sent_on"), client=client),
        lambda client, data, user: actions.do_refer(client, acting_user=user, **data),
        _referral,
    )


class ConsentIn(Schema):
    scope: ConsentScope = Field(description="What the consent covers.")
    detail: str = Field("", max_length=300, description="Which unit or what information; required for 'other'.")
    given_by: ConsentGiver
    given_on: dt.date | None = Field(None, description="When; today if left out.")


class ConsentOut(Schema):
    id: int
    client: int
    scope: str
    detail: str
    given_by: str
    given_on: dt.date
    withdrawn_at: dt.datetime | None


def _consent(made: Consent) -> dict[str, Any]:
    return _json(ConsentOut, {
        "id": made.pk, "client": made.client_id, "scope": made.scope, "detail": made.detail,
        "given_by": made.given_by, "given_on": made.given_on, "withdrawn_at": made.withdrawn_at,
    })


@router.post(
    "/clients/{client_id}/consents/", response={201: ConsentOut, **ERRORS},
    summary="Record a client's consent (Idempotency-Key)",
)
def record_consent(request: HttpRequest, client_id: ClientId, payload: ConsentIn) -> Status[dict[str, Any]]:
    return _on_client(
        request, client_id, RecordType.CLIENT, Action.UPDATE,
        lambda client: ConsentForm(_today_unless(payload.dict(), "given_on"), client=client),
        lambda client, data, user: actions.do_record_consent(client, acting_user=user, **data),
        _consent,
    )


@router.post(
    "/consents/{consent_id}/withdraw/", response={200: ConsentOut, **ERRORS},
    summary="Withdraw a client's consent",
)
def withdraw_consent(request: HttpRequest, consent_id: ConsentId) -> dict[str, Any]:
    """As the page: withdrawing a withdrawn consent changes nothing and answers it as it is."""
    user = caller(request)
    require(user, RecordType.CLIENT, Action.UPDATE)
    consent = access_consent_for_user(user, consent_id)
    return _consent(actions.do_withdraw_consent(consent, acting_user=user))


class ReferralStep(Schema):
    status: ReferralStatus = Field(description="received, closed, or declined (with a reason).")
    on: dt.date | None = Field(None, description="When; today if left out.")
    reason: str = Field("", max_length=300, description="Why the unit declined.")


@router.post(
    "/referrals/{referral_id}/status/", response={200: ReferralOut, **ERRORS},
    summary="Move a referral on: received, closed or declined",
)
def referral_status(request: HttpRequest, referral_id: ReferralId, payload: ReferralStep) -> dict[str, Any]:
    """A state change, as the client page's referral steps: the step it is at changes nothing."""
    user = caller(request)
    require(user, RecordType.REFERRAL, Action.UPDATE)
    referral = access_referral_for_user(user, referral_id)
    form = ReferralStatusForm(_today_unless(payload.dict(), "on"))
    data = cleaned(form)
    try:
        moved = actions.do_update_referral(
            referral, status=data["status"], on=data["on"], reason=data["reason"], acting_user=user,
        )
    except ValidationError as exc:
        raise action_refused(form, exc) from None
    return _referral(moved)
