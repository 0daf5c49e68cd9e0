import assert from "node:assert/strict";
import { test } from "node:test";

import { LocalStorageStore, QuestlogClient } from "../dist/index.js";
import { fakeServer, memoryStorage, options, settle } from "./helpers.mjs";

const tick = (i) => ({ user_id: "p-1", frame: i });

test("optOut() clears the queue in memory and in storage and stops sending; optIn() resumes", async () => {
  const storage = memoryStorage();
  const server = fakeServer();
  const store = () => new LocalStorageStore("questlog:test", storage);
  const client = new QuestlogClient(options(server, { storage: store(), flushInterval: 3_600_000 }));
  await client.ready;
  for (let i = 0; i < 4; i++) client.track("client_tick", tick(i));
  await settle();
  assert.equal(JSON.parse(storage.getItem("questlog:test")).entries.length, 4);
  client.optOut();
  await settle();
  assert.equal(client.stats().queued, 0);
  assert.equal(JSON.parse(storage.getItem("questlog:test")).entries.length, 0);
  assert.equal(client.track("client_tick", tick(5)), false);
  assert.equal(await client.flush(), true);
  assert.equal(server.batches.length, 0, "nothing of an opted-out player leaves");
  assert.equal(client.stats().dropped.optedOut, 5);

  // The choice is stored: the next start is opted out too, until optIn().
  const next = new QuestlogClient(options(server, { storage: store() }));
  await next.ready;
  assert.equal(next.stats().optedOut, true);
  assert.equal(next.track("client_tick", tick(6)), false);
  next.optIn();
  assert.equal(next.track("client_tick", tick(7)), true);
  assert.equal(await next.flush(), true);
  assert.deepEqual(server.batches.flatMap((b) => b.body.events).map((e) => e.frame), [7]);
});

test("the optOut option overrides a stored choice", async () => {
  const storage = memoryStorage();
  const server = fakeServer();
  const first = new QuestlogClient(options(server, { storage: new LocalStorageStore("k", storage) }));
  await first.ready;
  first.optOut();
  await settle();
  const second = new QuestlogClient(options(server, { storage: new LocalStorageStore("k", storage), optOut: false }));
  await second.ready;
  assert.equal(second.track("client_tick", tick(1)), true);
});

test("opting out during a retry's backoff drops that batch too", async () => {
  const server = fakeServer();
  server.answer = () => ({ status: 503 });
  let client;
  const opts = options(server, {
    sleep: async () => {
      client.optOut();
    },
  });
  client = new QuestlogClient(opts);
  client.track("client_tick", tick(1));
  await client.flush();
  assert.equal(server.batches.length, 1);
  assert.equal(client.stats().queued, 0);
});
