"""Reference data (seed 003: "validate billId existence on BILL_VOTE")."""

from __future__ import annotations

from fastapi import APIRouter

from questlog.access.schemas import BillsIn
from questlog.api.deps import AdminDep, QuestlogDep, ReadDep
from questlog.api.envelope import NOT_JSON_RESPONSES, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/reference", tags=["reference"], route_class=StrictQueryRoute)


@router.put("/bills", summary="Load the known bill ids; while non-empty, a BILL_VOTE for "
            "another bill is rejected with unknown_reference (admin)",
            responses=NOT_JSON_RESPONSES)
async def put_bills(questlog: QuestlogDep, _: AdminDep, body: BillsIn) -> EnvelopeResponse:
    bills = await questlog.access.references.set_bills(body.bill_ids)
    return ok({"bill_ids": bills}, {"count": len(bills)})


@router.get("/bills", summary="The known bill ids")
async def get_bills(questlog: QuestlogDep, _: ReadDep) -> EnvelopeResponse:
    bills = sorted(await questlog.access.references.bills())
    return ok({"bill_ids": bills}, {"count": len(bills)})
