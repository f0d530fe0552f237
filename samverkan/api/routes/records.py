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
from django.utils.translation import gettext_lazy as _
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
    purpose_required: bool = Field(
        False, description="True when the record is shown only to a reader who gives a purpose (read it by its id with ?purpose=…); its fields are left out here.",
    )
    fields: list[FieldOut]


def _out(projection: gate.Projection, disclosed: bool, *, withheld: bool = False) -> dict[str, Any]:
    return {
        "record_type": projection.record_type,
        "id": projection.pk,
        "title": projection.title,
        "disclosed": disclosed,
        "purpose_required": withheld,
        "fields": [] if withheld else [{"name": f.name, "label": f.label, "value": f.value} for f in projection.fields],
    }


def _needs_purpose(registered: gate.Disclosable[Any], record: Any) -> bool:
    return registered.needs_purpose is not None and registered.needs_purpose(record)


def purpose_required() -> ApiError:
    return ApiError(
        428, "purpose_required",
        _("Say why you read this record: send the purpose as ?purpose=… (it is written to the audit log)."),
    )


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
    items = [_out(_own(registered, r), False, withheld=_needs_purpose(registered, r)) for r in rows]
    return {"items": items, "next": encode(rows[-1].pk) if more and rows else None}


@router.get("/{record_type}/{record_id}/", response={200: RecordOut, **ERRORS}, summary="Read one record")
def read_record(
    request: HttpRequest, record_type: RecordTypeIn, record_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    purpose: Annotated[str, Query(max_length=300, pattern=r"^[^\x00]*$", description="Why you read it, where the rules ask for a purpose.")] = "",
) -> dict[str, Any]:
    user = caller(request)
    registered = _declared(record_type)
    rt = registered.record_type
    if gate.is_disclosed_read(user, rt):
        try:
            return _out(gate.read(user, rt, record_id, purpose=purpose, detail="api"), True)
        except gate.PurposeRequired:
            raise purpose_required() from None
    manager: Any = registered.model._default_manager
    visible = manager.visible_to(user, Action.VIEW)
    found = visible.filter(pk=record_id).first()
    if found is not None and _needs_purpose(registered, found) and not purpose.strip():
        raise purpose_required()
    record = access_or_404(visible, user, RecordType(rt), record_id, purpose=purpose.strip())
    return _out(_own(registered, record), False)
