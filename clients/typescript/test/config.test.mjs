import assert from "node:assert/strict";
import { test } from "node:test";

import { QuestlogClient, inSample, sampleKey } from "../dist/index.js";
import { fakeServer, options } from "./helpers.mjs";

const players = Array.from({ length: 200 }, (_, i) => `p-${i}`);

test("the sampling policy of GET /api/v1/config is applied: the same players as the Python client", async () => {
  const server = fakeServer();
  server.config = { version: "7", sample_rates: { loot_drop: 0.3 }, priorities: { session_start: 100 } };
  const client = new QuestlogClient(options(server, { config: true, batchSize: 1000 }));
  await client.ready;
  assert.equal(client.stats().config, "loaded");
  assert.equal(client.stats().configVersion, "7");
  assert.equal(server.requests[0].init.headers.Authorization, "Bearer test-key");
  const kept = players.filter((p) => client.track("loot_drop", { user_id: p, item_id: "i", rarity: "common", source_id: "s" }));
  assert.deepEqual(kept, players.filter((p) => inSample(sampleKey(p, "loot_drop"), 0.3)));
  assert.ok(kept.length > 30 && kept.length < 90);
  assert.equal(client.stats().dropped.sampled, players.length - kept.length);
  // Types the policy does not name are all sent.
  assert.equal(players.every((p) => client.track("session_start", { user_id: p, client_guid: "g", build: "1", platform: "web", shard: "eu" })), true);
});

test("a server without /api/v1/config (404) is fine: the client's own sampleRates apply", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { config: true, sampleRates: { client_tick: 0 } }));
  await client.ready;
  assert.equal(client.stats().config, "absent");
  assert.equal(client.track("client_tick", { user_id: "p-1", frame: 1 }), false);
  assert.equal(client.track("death", { user_id: "p-1", cause: "fall" }), true);
});

test("events without a user_id are sampled one by one, by event_id", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { sampleRates: { client_tick: 0.5 } }));
  await client.ready;
  const ids = Array.from({ length: 100 }, (_, i) => `e-${i}`);
  const kept = ids.filter((id) => client.track("client_tick", { event_id: id, frame: 1 }));
  assert.deepEqual(kept, ids.filter((id) => inSample(sampleKey(id, "client_tick"), 0.5)));
});

test("a policy unreadable at start (server down) is read again after the next delivered batch", async () => {
  const server = fakeServer();
  let down = true;
  const fetcher = (url, init) => (down ? Promise.reject(new TypeError("failed to fetch")) : server.fetch(url, init));
  server.config = { version: "3", sample_rates: {}, priorities: {} };
  const client = new QuestlogClient(options(server, { config: true, fetch: fetcher }));
  await client.ready;
  assert.equal(client.stats().config, "failed");
  client.track("client_tick", { user_id: "p-1", frame: 1 });
  down = false;
  assert.equal(await client.flush(), true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual([client.stats().config, client.stats().configVersion], ["loaded", "3"]);
});
