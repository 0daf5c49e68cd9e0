"""HTTP API: routers, auth and the response envelope. The only package importing FastAPI."""
