import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { QuestlogClient } from "../dist/index.js";
import { fakeServer, options, settle } from "./helpers.mjs";

// A page for Node: a document whose visibility the test sets, and a window with pagehide.
let page;
beforeEach(() => {
  const document = new EventTarget();
  document.visibilityState = "visible";
  page = { document, window: new EventTarget() };
  globalThis.document = document;
  globalThis.window = page.window;
});
afterEach(() => {
  delete globalThis.document;
  delete globalThis.window;
});

const tick = (i) => ({ user_id: "p-1", frame: i });

test("when the page goes hidden, what waits is sent at once with fetch keepalive", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { flushInterval: 3_600_000, batchSize: 100 }));
  await client.ready;
  for (let i = 0; i < 3; i++) client.track("client_tick", tick(i));
  await settle();
  assert.equal(server.batches.length, 0);
  page.document.visibilityState = "hidden";
  page.document.dispatchEvent(new Event("visibilitychange"));
  await settle();
  assert.equal(server.batches.length, 1);
  assert.equal(server.batches[0].init.keepalive, true);
  assert.equal(server.batches[0].body.events.length, 3);
  await client.flush();
  assert.equal(client.stats().queued, 0);
});

test("pagehide sends too, within one keepalive request's 64 KiB; the rest stays stored", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { flushInterval: 3_600_000, batchSize: 1000 }));
  await client.ready;
  for (let i = 0; i < 999; i++) client.track("client_tick", { ...tick(i), pad: "x".repeat(200) });
  page.window.dispatchEvent(new Event("pagehide"));
  await settle();
  assert.equal(server.batches.length, 1);
  assert.ok(server.batches[0].init.body.length <= 64 * 1024);
  assert.ok(client.stats().queued > 0, "what did not fit waits for the next start");
});

test("a page back online sends what waits; close() removes the listeners", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { flushInterval: 3_600_000 }));
  await client.ready;
  client.track("client_tick", tick(1));
  page.window.dispatchEvent(new Event("online"));
  await settle();
  assert.equal(server.batches.length, 1);
  await client.close();
  client.track("client_tick", tick(2));
  page.window.dispatchEvent(new Event("pagehide"));
  await settle();
  assert.equal(server.batches.length, 1);
});
