"""The records an agency keeps or was given, as declared for the disclosure gate.

One way to read every disclosable record type (clients, support actions, referrals,
crime reports, suspects): the owning agency's users get every declared field of the
records their role reaches; the other agency's users get projections of the granted
fields of what was disclosed to them, through ``sharing.gate`` — the same rules as the
pages, and every read audited as the pages audit it.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from samverkan.accounts.access import access_or_404, require_list
from samverkan.accounts.policy import Action, RecordType, Scope
from samverkan.api.errors import ERRORS, ApiError
from samverkan.api.paging import MAX_ID, Page, PageIn, decode, encode
from samverkan.api.security import caller
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.sharing import gate

router = Router(tags=["records"])
RecordTypeIn = Annotated[
    str, Path(max_length=40, pattern=r"^[a-z_]+$", description="client, support_action, referral, crime_report or suspect")
]


class FieldOut(Schema):
    name: str
    label: str
    value: str | list[str]


class RecordOut(Schema):
    record_type: str
    id: int
    title: str
    disclosed: bool = Field(description="True when the record belongs to the other agency and only granted fields are shown.")
    fields: list[FieldOut]


def _out(projection: gate.Projection, disclosed: bool) -> dict[str, Any]:
    return {
        "record_type": projection.record_type,
        "id": projection.pk,
        "title": projection.title,
        "disclosed": disclosed,
        "fields": [{"name": f.name, "label": f.label, "value": f.value} for f in projection.fields],
    }


def _declared(record_type: str) -> gate.Disclosable[Any]:
    registered = gate.entry(record_type)
    if registered is None:
        raise ApiError(404, "not_found", "Not found.")
    return registered


def _own(registered: gate.Disclosable[Any], record: Any) -> gate.Projection:
    return gate.project(registered, record, registered.field_names)


@router.get("/{record_type}/", response={200: Page[RecordOut], **ERRORS}, summary="List records of a type")
def list_records(request: HttpRequest, paging: Query[PageIn], record_type: RecordTypeIn) -> dict[str, Any]:
    user = caller(request)
    registered = _declared(record_type)
    rt = registered.record_type
    scope = require_list(user, RecordType(rt))
    after = decode(paging.cursor)
    if scope is Scope.DISCLOSED:
        wanted = sorted(pk for pk in gate.grants(user, rt) if pk > after)[: paging.limit + 1]
        more = len(wanted) > paging.limit
        wanted = wanted[: paging.limit]
        items = [_out(p, True) for p in gate.read_many(user, rt, ids=wanted, detail="api list")]
        return {"items": items, "next": encode(wanted[-1]) if more and wanted else None}
    manager: Any = registered.model._default_manager
    rows = list(manager.visible_to(user, Action.LIST).filter(pk__gt=after).order_by("pk")[: paging.limit + 1])
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.LIST, record_type=rt,
            detail=f"api; ids={','.join(str(r.pk) for r in rows)}",
        )
    return {"items": [_out(_own(registered, r), False) for r in rows], "next": encode(rows[-1].pk) if more and rows else None}


@router.get("/{record_type}/{record_id}/", response={200: RecordOut, **ERRORS}, summary="Read one record")
def read_record(
    request: HttpRequest, record_type: RecordTypeIn, record_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    purpose: Annotated[str, Query(max_length=300, pattern=r"^[^\x00]*$", description="Why you read it, where the rules ask for a purpose.")] = "",
) -> dict[str, Any]:
    user = caller(request)
    registered = _declared(record_type)
    rt = registered.record_type
    if gate.is_disclosed_read(user, rt):
        return _out(gate.read(user, rt, record_id, purpose=purpose, detail="api"), True)
    manager: Any = registered.model._default_manager
    record = access_or_404(manager.visible_to(user, Action.VIEW), user, RecordType(rt), record_id, purpose=purpose)
    return _out(_own(registered, record), False)
