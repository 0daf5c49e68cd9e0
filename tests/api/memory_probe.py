"""Run as a script: the peak memory of a Questlog process under concurrent large bodies.

For each credential (none, a wrong key, the right key) it posts 8 concurrent 50 MB
bodies to each route that takes a body, through the ASGI app in this process, and
prints the growth of the process's peak RSS (getrusage) over a warmed-up baseline.
It exits 1 when a growth passes its bound:
- no credential or a wrong one: under 24 MiB (nothing is read; before the fix, 8 such
  bodies took the server from 69 to 1,265 MiB);
- the right key: under 8 x the largest route limit x 3 + 24 MiB (each request reads at
  most its limit, into a buffer that may be over-allocated while it grows).
"""

from __future__ import annotations

import asyncio
import resource
import sys
from pathlib import Path

import httpx

from questlog.api.app import create_app
from questlog.settings import Settings

# After questlog (and its top-level `jobs` package), so tests/jobs cannot shadow it.
sys.path.append(str(Path(__file__).parents[1]))
from conftest import ADMIN_KEY, API_KEYS, INGEST_KEY
from test_body_limits import BATCH, EVENTS, REDEEM, ROLLUP, CountingBody

CONCURRENT = 8
MIB = 1024 * 1024


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def flood(client: httpx.AsyncClient, route: str, key: str | None) -> set[int]:
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    responses = await asyncio.gather(*(
        client.post(route, content=CountingBody(), headers=headers) for _ in range(CONCURRENT)
    ))
    return {r.status_code for r in responses}


async def main() -> int:
    settings = Settings(_env_file=None, mongodb_url="memory", api_keys=API_KEYS,  # type: ignore[call-arg]
                        scheduler_enabled=False)
    app = create_app(settings)
    right = {EVENTS: INGEST_KEY, BATCH: INGEST_KEY, ROLLUP: ADMIN_KEY, REDEEM: ADMIN_KEY}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://questlog") as client:
            for route, key in right.items():  # warm up: imports, first quarantine write
                await client.post(route, content=b"{}", headers={"authorization": f"Bearer {key}"})
            baseline = peak_mib()
            failures = []
            for name, key_of, bound in (
                ("none", lambda _: None, 24.0),
                ("wrong", lambda _: "not-a-key", 24.0),
                ("right", right.get, 8 * settings.max_body_bytes * 3 / MIB + 24.0),
            ):
                statuses = {r: await flood(client, r, key_of(r)) for r in right}
                growth = peak_mib() - baseline
                print(f"{name:>5} key: 8 x 50 MB on each of {len(right)} routes: answers "
                      f"{sorted(set().union(*statuses.values()))}, peak RSS +{growth:.1f} MiB "
                      f"(bound {bound:.0f} MiB)")
                if growth >= bound:
                    failures.append(name)
    print("within bounds" if not failures else f"past the bound: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
