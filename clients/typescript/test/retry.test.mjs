import assert from "node:assert/strict";
import { test } from "node:test";

import { QuestlogClient, backoffDelay, retryAfterMs, verdict } from "../dist/index.js";
import { fakeServer, options } from "./helpers.mjs";

const tick = (i) => ({ user_id: "p-1", frame: i, fps: 60, rtt_ms: 20 });

function failing(server, answers) {
  let i = 0;
  server.answer = () => (i < answers.length ? answers[i++] : null);
}

test("a 503 is retried with exponential backoff and full jitter, with the same event ids", async () => {
  const server = fakeServer();
  failing(server, [{ status: 503 }, { status: 503 }]);
  const opts = options(server, { backoffBase: 1000, random: () => 0.5 });
  const client = new QuestlogClient(opts);
  client.track("BILL_VOTE", { user_id: "p-1", bill_id: "b", stance: "nay", seat_weight: 1, lobby_payments_count: 0 });
  assert.equal(await client.flush(), true);
  assert.equal(server.batches.length, 3);
  assert.deepEqual(opts.slept, [500, 1000]); // 0.5 * 1000 * 2**0, 0.5 * 1000 * 2**1
  const ids = server.batches.map((b) => b.body.events[0].event_id);
  assert.equal(new Set(ids).size, 1);
  assert.equal(client.stats().retries, 2);
});

test("Retry-After on a 429 or 503 is waited for instead of the backoff, up to maxDelay", async () => {
  const server = fakeServer();
  failing(server, [{ status: 429, headers: { "Retry-After": "7" } }, { status: 503, headers: { "Retry-After": "120" } }]);
  const opts = options(server, { maxDelay: 30_000 });
  const client = new QuestlogClient(opts);
  client.track("BILL_VOTE", { bill_id: "b", stance: "nay", seat_weight: 1, lobby_payments_count: 0 });
  assert.equal(await client.flush(), true);
  assert.deepEqual(opts.slept, [7000, 30_000]);
});

test("after maxRetries (default 2) the batch stays queued and goes with the next round", async () => {
  const server = fakeServer();
  server.answer = () => "network";
  const opts = options(server);
  const client = new QuestlogClient(opts);
  client.track("BILL_VOTE", { bill_id: "b", stance: "nay", seat_weight: 1, lobby_payments_count: 0 });
  assert.equal(await client.flush(), false);
  assert.equal(server.batches.length, 3); // one try and two retries
  let stats = client.stats();
  assert.deepEqual([stats.queued, stats.retries, stats.deferred, stats.dropped.refused], [1, 2, 1, 0]);
  server.answer = null;
  assert.equal(await client.flush(), true);
  stats = client.stats();
  assert.deepEqual([stats.queued, stats.sent, stats.accepted], [0, 1, 1]);
  assert.equal(server.batches[3].body.events[0].event_id, server.batches[0].body.events[0].event_id);
});

test("a 4xx that resending cannot cure drops the batch at once and counts it", async () => {
  const server = fakeServer();
  failing(server, [{ status: 422, body: { ok: false, error: { code: "invalid_batch" } } }]);
  const errors = [];
  const client = new QuestlogClient(options(server, { onError: (e) => errors.push(String(e)) }));
  client.track("client_tick", tick(1));
  assert.equal(await client.flush(), true);
  assert.equal(server.batches.length, 1);
  assert.equal(client.stats().dropped.refused, 1);
  assert.equal(client.stats().queued, 0);
  assert.match(errors[0], /HTTP 422 invalid_batch/);
});

test("a 401 keeps the events for a later round with a fresh credential, without retrying now", async () => {
  const server = fakeServer();
  failing(server, [{ status: 401 }]);
  const client = new QuestlogClient(options(server));
  client.track("client_tick", tick(1));
  assert.equal(await client.flush(), false);
  assert.equal(server.batches.length, 1);
  assert.equal(client.stats().queued, 1);
  assert.equal(await client.flush(), true);
});

test("the server's counts of accepted, duplicate and rejected events are added up", async () => {
  const server = fakeServer();
  failing(server, [{ status: 200, body: { ok: true, data: { accepted: 1, duplicates: 1, rejected: 1 } } }]);
  const client = new QuestlogClient(options(server));
  for (let i = 0; i < 3; i++) client.track("client_tick", tick(i));
  await client.flush();
  const s = client.stats();
  assert.deepEqual([s.sent, s.accepted, s.duplicates, s.rejected], [3, 1, 1, 1]);
});

test("the pure policy: verdicts, backoff bounds and Retry-After forms", () => {
  assert.deepEqual([200, 202, 408, 429, 500, 503, 401, 403, 400, 413, 422].map(verdict),
    ["delivered", "delivered", "retry", "retry", "retry", "retry", "credential", "credential", "drop", "drop", "drop"]);
  assert.equal(backoffDelay(0, 1000, 30_000, 0.999), 999);
  assert.equal(backoffDelay(10, 1000, 30_000, 0.5), 15_000);
  const now = Date.parse("2026-12-01T10:00:00Z");
  assert.equal(retryAfterMs("3", now), 3000);
  assert.equal(retryAfterMs("Tue, 01 Dec 2026 10:00:30 GMT", now), 30_000);
  assert.equal(retryAfterMs("Tue, 01 Dec 2026 09:00:00 GMT", now), 0);
  assert.equal(retryAfterMs("soon", now), null);
  assert.equal(retryAfterMs(null, now), null);
});
