import assert from "node:assert/strict";
import { test } from "node:test";

import { QuestlogClient } from "../dist/index.js";
import { fakeServer, options } from "./helpers.mjs";

test("track() refuses what JSON cannot carry, returns false and counts it, never throws", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server));
  await client.ready;
  const cyclic = { frame: 1 };
  cyclic.self = cyclic;
  assert.equal(client.track("client_tick", { frame: Number.NaN }), false);
  assert.equal(client.track("client_tick", { frame: Infinity }), false);
  assert.equal(client.track("client_tick", { frame: 10n }), false);
  assert.equal(client.track("client_tick", cyclic), false);
  assert.equal(client.track("client_tick", { frame: 2 }), true);
  assert.equal(client.stats().dropped.invalid, 4);
  assert.equal(await client.flush(), true);
  assert.equal(server.batches[0].body.events.length, 1);
});

test("nothing the network, the server, the storage or onError does makes a method throw", async () => {
  const answers = [
    () => { throw new Error("fetch exploded synchronously"); },
    async () => new Response("<html>proxy error</html>", { status: 200 }),
    async () => new Response("not json", { status: 502 }),
    async () => { throw new TypeError("failed to fetch"); },
  ];
  for (const answer of answers) {
    const store = { load: async () => { throw new Error("storage gone"); }, write: async () => { throw new Error("quota"); } };
    const client = new QuestlogClient({
      endpoint: "http://questlog.test", token: "k", storage: store, config: true, maxRetries: 1,
      fetch: answer, sleep: async () => {}, onError: () => { throw new Error("the game's handler failed"); },
    });
    assert.equal(client.track("client_tick", { frame: 1 }), true);
    assert.equal(typeof (await client.flush({ timeout: 2000 })), "boolean");
    client.optOut();
    client.optIn();
    assert.equal(typeof client.stats().errors, "number");
    assert.ok(client.stats().errors >= 1);
    assert.equal(typeof (await client.close({ timeout: 2000 })), "boolean");
  }
});

test("a batch answered 200 with an unreadable body counts as sent and as an error", async () => {
  const server = fakeServer();
  server.answer = () => ({ status: 200, body: { unexpected: true } });
  const client = new QuestlogClient(options(server));
  client.track("client_tick", { frame: 1 });
  assert.equal(await client.flush(), true);
  assert.deepEqual([client.stats().queued, client.stats().errors], [0, 1]);
});
