"""Reference data and shifts: what both agencies share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from samverkan.accounts.access import access_or_404, require_list
from samverkan.accounts.models import Area
from samverkan.accounts.policy import Action, RecordType
from samverkan.api.errors import ERRORS
from samverkan.api.paging import MAX_ID, Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations.models import Shift, ShiftStatus

router = Router(tags=["shifts"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@router.get("/areas/", response={200: list[AreaOut], **ERRORS}, summary="Areas (police areas, city districts) with their validity")
def areas(request: HttpRequest) -> list[Area]:
    return list(Area.objects.order_by("kind", "name", "pk"))


class ShiftOut(Schema):
    id: int
    collaboration: str = Field(description="The collaboration's code.")
    area: str = Field(description="The area's code.")
    operation: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    basis: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None


class ShiftFilter(PageIn):
    start: dt.date | None = Field(None, description="Shifts that start on or after this day.")
    end: dt.date | None = Field(None, description="Shifts that start on or before this day.")
    area: str | None = Field(None, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$", description="An area's code.")
    status: ShiftStatus | None = None


def _shift(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "collaboration": shift.collaboration.code,
        "area": shift.area.code,
        "operation": shift.operation_id,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "status": shift.status,
        "basis": shift.basis,
        "started_at": shift.started_at,
        "completed_at": shift.completed_at,
    }


@router.get("/shifts/", response={200: Page[ShiftOut], **ERRORS}, summary="Shifts, filtered by period, area and state")
def shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> dict[str, Any]:
    user = caller(request)
    require_list(user, RecordType.SHIFT)
    qs = Shift.objects.visible_to(user, Action.LIST).select_related("collaboration", "area")
    if filters.start:
        qs = qs.filter(starts_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(starts_at__date__lte=filters.end)
    if filters.area:
        qs = qs.filter(area__code=filters.area)
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = page_of(qs, filters, lambda rows: [_shift(s) for s in rows])
    with transaction.atomic():
        do_record_event(user=user, action=AuditAction.LIST, record_type=RecordType.SHIFT, detail=f"api; ids={','.join(str(s['id']) for s in page['items'])}")
    return page


@router.get("/shifts/{shift_id}/", response={200: ShiftOut, **ERRORS}, summary="One shift")
def shift(request: HttpRequest, shift_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    user = caller(request)
    found = access_or_404(Shift.objects.visible_to(user, Action.VIEW).select_related("collaboration", "area"), user, RecordType.SHIFT, shift_id)
    return _shift(found)
