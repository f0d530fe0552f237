"""Tips to the police: anyone of the collaboration submits one; the police's own staff read them.

Through the tip pages' form (``intel.forms.TipForm``: social services' staff confirm that the
tip names no identifiable person) and action (``intel.actions.do_submit_tip``); the source is
kept apart and never shown here. Reads are audited as on the tip pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from samverkan.accounts.access import require_list
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS
from samverkan.api.paging import MAX_ID, Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, cleaned, form_data
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel import actions
from samverkan.intel.access import access_tip
from samverkan.intel.forms import TipFilterForm, TipForm
from samverkan.intel.models import SourceType, Tip, TipStatus
from samverkan.operations.models import VenueKind

router = Router(tags=["tips"])


class TipIn(Schema):
    collaboration: int = Field(ge=1, le=MAX_ID, description="The collaboration's id; its police receive the tip.")
    what: str = Field(max_length=5000, description="What was seen or heard; the source's identity goes in the source fields.")
    where: str = Field("", max_length=300)
    city: str = Field("", max_length=120)
    venue_kind: VenueKind | None = None
    observed_at: dt.datetime | None = None
    when_text: str = Field("", max_length=200)
    source_type: SourceType
    source_name: str = Field("", max_length=200)
    source_contact: str = Field("", max_length=300)
    source_relation: str = Field("", max_length=500)
    wants_anonymity: bool = False
    no_identifiable_person: bool = Field(
        False, description="Social services' staff confirm that the tip names no identifiable person (else it is a disclosure).",
    )


class TipReceipt(Schema):
    id: int = Field(description="The tip's number.")
    status: str
    submitted_at: dt.datetime


class TipOut(Schema):
    id: int
    collaboration: str
    status: str
    submitted_at: dt.datetime
    what: str
    where: str
    city: str
    venue_kind: str
    observed_at: dt.datetime | None
    when_text: str
    source_type: str
    relevance: str
    urgency: str


def _out(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.pk, "collaboration": tip.collaboration.code, "status": tip.status, "submitted_at": tip.submitted_at,
        "what": tip.what, "where": tip.where, "city": tip.city, "venue_kind": tip.venue_kind, "observed_at": tip.observed_at,
        "when_text": tip.when_text, "source_type": tip.source_type, "relevance": tip.relevance, "urgency": tip.urgency,
    }


@router.post("/tips/", response={201: TipReceipt, **ERRORS}, summary="Submit a tip to the police (Idempotency-Key)")
def submit_tip(request: HttpRequest, payload: TipIn) -> Status[dict[str, Any]]:
    """The answer is a receipt: what was written stays with the police, as on the page."""
    user = caller(request)
    if not can(user, RecordType.TIP, Action.CREATE):
        raise Http404

    def create() -> tuple[int, dict[str, Any]]:
        values = form_data(payload.dict())
        if not values.get("no_identifiable_person"):
            values.pop("no_identifiable_person", None)  # an unticked box
        form = TipForm(values, user=user)
        data = cleaned(form)
        try:
            tip = actions.do_submit_tip(acting_user=user, **TipForm.tip_data(data))
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, TipReceipt.model_validate({"id": tip.pk, "status": tip.status, "submitted_at": tip.submitted_at}).model_dump(mode="json")

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class TipFilter(PageIn):
    status: TipStatus | None = Field(None, description="Tips in this state; all open ones when left out.")


@router.get("/tips/", response={200: Page[TipOut], **ERRORS}, summary="The tips your agency received")
def tips(request: HttpRequest, filters: Query[TipFilter]) -> dict[str, Any]:
    user = caller(request)
    require_list(user, RecordType.TIP)
    data = cleaned(TipFilterForm(form_data({"status": filters.status})))
    qs = Tip.objects.visible_to(user, Action.LIST).select_related("collaboration")
    qs = qs.filter(status=data["status"]) if data.get("status") else qs.open()
    page = page_of(qs, filters, lambda rows: [_out(t) for t in rows])
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.LIST, record_type=RecordType.TIP,
            detail=f"api; ids={','.join(str(t['id']) for t in page['items'])}",
        )
    return page


@router.get("/tips/{tip_id}/", response={200: TipOut, **ERRORS}, summary="One tip")
def tip(request: HttpRequest, tip_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    return _out(access_tip(caller(request), tip_id))
