"""Reference data (seed 003: "validate billId existence on BILL_VOTE")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from questlog.access.schemas import BillsIn
from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, QuestlogDep, ReadDep, body_of
from questlog.api.envelope import BODY_RESPONSES, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/reference", tags=["reference"], route_class=StrictQueryRoute)
# A list of bills may be long: the event routes' limit, not the small commands'.
BillsBody = Annotated[BillsIn, Depends(
    body_of(BillsIn, guard=ADMIN, max_bytes=lambda s: s.max_body_bytes)
)]


@router.put("/bills", summary="Load the known bill ids; while non-empty, a BILL_VOTE for "
            "another bill is rejected with unknown_reference (admin)",
            responses=BODY_RESPONSES, openapi_extra=body_doc(BillsIn))
async def put_bills(questlog: QuestlogDep, _: AdminDep, body: BillsBody) -> EnvelopeResponse:
    bills = await questlog.access.references.set_bills(body.bill_ids)
    return ok({"bill_ids": bills}, {"count": len(bills)})


@router.get("/bills", summary="The known bill ids")
async def get_bills(questlog: QuestlogDep, _: ReadDep) -> EnvelopeResponse:
    bills = sorted(await questlog.access.references.bills())
    return ok({"bill_ids": bills}, {"count": len(bills)})
