"""Ingestion: validation, limits, idempotency, the batch write, log_event."""
