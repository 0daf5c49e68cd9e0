import assert from "node:assert/strict";
import { test } from "node:test";

import { QuestlogClient } from "../dist/index.js";
import { fakeServer, options } from "./helpers.mjs";

const tick = (i) => ({ user_id: "p-1", frame: i, pad: "x".repeat(60) });

function bytesOf(client) {
  return client.stats().queuedBytes;
}

test("the queue is capped in bytes (default 1 MiB): past the cap, new events of the same priority are dropped", async () => {
  const server = fakeServer();
  server.answer = () => "network";
  const client = new QuestlogClient(options(server, { batchSize: 1000, flushInterval: 3_600_000 }));
  await client.ready;
  let queued = 0;
  for (let i = 0; i < 20_000; i++) if (client.track("client_tick", tick(i))) queued++;
  const stats = client.stats();
  assert.ok(stats.queuedBytes <= 1024 * 1024, `${stats.queuedBytes} bytes`);
  assert.ok(stats.queuedBytes > 1024 * 1024 - 200);
  assert.equal(stats.queued, queued);
  assert.equal(stats.dropped.overflow, 20_000 - queued);
  assert.ok(queued < 20_000);
});

test("a full queue drops its lowest-priority events first, the newest of them first", async () => {
  const server = fakeServer();
  const priorities = { session_start: 10, loot_drop: 5 };
  const client = new QuestlogClient(options(server, { maxBytes: 2000, priorities, flushInterval: 3_600_000, batchSize: 1000 }));
  await client.ready;
  for (let i = 0; i < 100 && client.track("client_tick", tick(i)); i++);
  const ticks = client.stats().queued;
  const full = bytesOf(client);
  assert.ok(full <= 2000 && ticks > 5);
  assert.equal(client.track("loot_drop", { user_id: "p-1", item_id: "sword", rarity: "rare", source_id: "x".repeat(40) }), true);
  assert.equal(client.track("session_start", { user_id: "p-1", client_guid: "g", build: "1", platform: "web", shard: "eu" }), true);
  const s = client.stats();
  assert.ok(s.dropped.overflow >= 2, "ticks made room");
  assert.ok(s.queuedBytes <= 2000);
  // a tick cannot evict a loot drop or a session start
  assert.equal(client.track("client_tick", tick(999)), false);
  assert.equal(await client.flush(), true);
  const sent = server.batches.flatMap((b) => b.body.events);
  assert.deepEqual(sent.filter((e) => e.type !== "client_tick").map((e) => e.type), ["loot_drop", "session_start"]);
  const frames = sent.filter((e) => e.type === "client_tick").map((e) => e.frame);
  // the oldest ticks stayed, the newest went: frames are 0..k without gaps
  assert.deepEqual(frames, frames.map((_, i) => i));
  assert.ok(frames.length < ticks);
});

test("an event larger than the whole cap is dropped, never stored", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { maxBytes: 100 }));
  await client.ready;
  assert.equal(client.track("client_tick", { frame: 1, pad: "x".repeat(200) }), false);
  assert.equal(client.stats().dropped.overflow, 1);
  assert.equal(client.stats().queued, 0);
});
