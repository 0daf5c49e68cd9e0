"""The live feed of stored events (GET /api/v1/events/stream), fed by the bus after the
write; and seed 002's `analytics` envelopes over a WebSocket (/api/v1/ws)."""
