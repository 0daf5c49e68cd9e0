"""/api/v1/ws: seed 002's analytics envelopes over a WebSocket (an ingest key in the
handshake's Authorization header), one acknowledgement per batch."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from questlog.api.auth import principal_for_key
from questlog.bootstrap import Questlog
from questlog.live.socket import answer, error

router = APIRouter()
POLICY_VIOLATION = 1008


@router.websocket("/api/v1/ws")
async def analytics_socket(websocket: WebSocket) -> None:
    questlog: Questlog = websocket.app.state.questlog
    scheme, _, key = websocket.headers.get("authorization", "").partition(" ")
    principal = principal_for_key(key.strip(), questlog.settings.api_key_scopes)
    await websocket.accept()
    if scheme.lower() != "bearer" or principal is None or not principal.has("ingest"):
        await websocket.send_json(error(None, "unauthorized",
                                        "send Authorization: Bearer <key with the ingest scope>"))
        await websocket.close(POLICY_VIOLATION)
        return
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_json(await answer(
                text, ingestor=questlog.ingestor,
                max_events=questlog.settings.max_batch_events, api_key=principal.label))
    except WebSocketDisconnect:
        return
