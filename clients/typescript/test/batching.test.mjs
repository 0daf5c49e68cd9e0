import assert from "node:assert/strict";
import { test } from "node:test";

import { QuestlogClient } from "../dist/index.js";
import { fakeServer, options, settle } from "./helpers.mjs";

const vote = (i) => ({ user_id: "p-1", bill_id: `hb-${i}`, stance: "yea", seat_weight: 1, lobby_payments_count: 0 });

test("a batch leaves when batchSize events wait, not before", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { batchSize: 10, flushInterval: 60_000 }));
  await client.ready;
  for (let i = 0; i < 9; i++) assert.equal(client.track("BILL_VOTE", vote(i)), true);
  await settle();
  assert.equal(server.batches.length, 0);
  client.track("BILL_VOTE", vote(9));
  await settle();
  assert.equal(server.batches.length, 1);
  assert.equal(server.batches[0].body.events.length, 10);
  await client.close();
});

test("a batch leaves flushInterval after the first waiting event (default 12 s)", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const server = fakeServer();
  const client = new QuestlogClient(options(server));
  await client.ready;
  client.track("BILL_VOTE", vote(1));
  await settle();
  t.mock.timers.tick(11_999);
  await settle();
  assert.equal(server.batches.length, 0);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(server.batches.length, 1);
  assert.deepEqual(server.batches[0].body.events.map((e) => e.bill_id), ["hb-1"]);
});

test("every event gets event_id, occurred_at and a rising seq; every batch gets sent_at", async () => {
  const server = fakeServer();
  let clock = Date.parse("2026-12-01T10:00:00.000Z");
  const client = new QuestlogClient(options(server, { now: () => clock, defaults: { source: "web", game_version: "1.2" } }));
  await client.ready;
  client.track("BILL_VOTE", vote(1));
  clock += 1500;
  client.track("BILL_VOTE", { ...vote(2), occurred_at: new Date("2026-12-01T09:00:00.000Z") });
  clock += 1500;
  assert.equal(await client.flush(), true);
  const [batch] = server.batches;
  assert.equal(batch.body.sent_at, "2026-12-01T10:00:03.000Z");
  const [a, b] = batch.body.events;
  assert.match(a.event_id, /^[0-9a-f-]{36}$/);
  assert.notEqual(a.event_id, b.event_id);
  assert.equal(a.occurred_at, "2026-12-01T10:00:00.000Z");
  assert.equal(b.occurred_at, "2026-12-01T09:00:00.000Z");
  assert.deepEqual([a.seq, b.seq], [0, 1]);
  assert.deepEqual([a.source, a.game_version, a.type], ["web", "1.2", "BILL_VOTE"]);
  client.track("BILL_VOTE", { ...vote(3), source: "override", game_version: undefined });
  await client.flush();
  const c = server.batches[1].body.events[0];
  assert.deepEqual([c.source, c.game_version], ["override", "1.2"], "a default fills what the event lacks");
  assert.equal(batch.init.headers.Authorization, "Bearer test-key");
  assert.equal(batch.init.keepalive, false);
});

test("flush() sends everything queued in batches and resolves once the server answered", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { batchSize: 7, flushInterval: 60_000 }));
  for (let i = 0; i < 20; i++) client.track("BILL_VOTE", vote(i));
  assert.equal(await client.flush(), true);
  assert.deepEqual(server.batches.map((b) => b.body.events.length), [7, 7, 6]);
  const stats = client.stats();
  assert.equal(stats.queued, 0);
  assert.equal(stats.sent, 20);
  assert.equal(stats.accepted, 20);
});

test("events tracked before the store has loaded are kept and numbered after what it held", async () => {
  const server = fakeServer();
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const store = {
    load: async () => { await gate; return { entries: [], meta: { nextSeq: 41, nextN: 41 } }; },
    write: async () => {},
  };
  const client = new QuestlogClient(options(server, { storage: store }));
  assert.equal(client.track("BILL_VOTE", vote(1)), true);
  assert.equal(client.stats().queued, 1);
  release();
  assert.equal(await client.flush(), true);
  assert.equal(server.batches[0].body.events[0].seq, 41);
});

test("a token function is asked before each request (a refreshed player token)", async () => {
  const server = fakeServer();
  let n = 0;
  const client = new QuestlogClient(options(server, { token: async () => `token-${++n}` }));
  client.track("BILL_VOTE", vote(1));
  await client.flush();
  client.track("BILL_VOTE", vote(2));
  await client.flush();
  assert.deepEqual(server.batches.map((b) => b.init.headers.Authorization), ["Bearer token-1", "Bearer token-2"]);
});

test("the constructor refuses options that cannot work", () => {
  const server = fakeServer();
  assert.throws(() => new QuestlogClient(options(server, { batchSize: 0 })), RangeError);
  assert.throws(() => new QuestlogClient(options(server, { batchSize: 1001 })), RangeError);
  assert.throws(() => new QuestlogClient(options(server, { maxBytes: 0 })), RangeError);
  assert.throws(() => new QuestlogClient(options(server, { token: "" })), TypeError);
});
