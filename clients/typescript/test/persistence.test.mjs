import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { LocalStorageStore, QuestlogClient } from "../dist/index.js";
import { FileStore } from "../dist/node.js";
import { fakeServer, memoryStorage, options, settle } from "./helpers.mjs";

const dirs = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempFile = () => {
  dirs.push(mkdtempSync(join(tmpdir(), "questlog-")));
  return join(dirs.at(-1), "queue.log");
};

const vote = (i) => ({ user_id: "p-1", bill_id: `hb-${i}`, stance: "yea", seat_weight: 1, lobby_payments_count: 0 });

async function replayAcrossRestart(makeStore) {
  const down = fakeServer();
  down.answer = () => "network";
  let clock = Date.parse("2026-12-01T10:00:00.000Z");
  const first = new QuestlogClient(options(down, { storage: makeStore(), now: () => clock }));
  for (let i = 0; i < 5; i++) {
    first.track("BILL_VOTE", vote(i));
    clock += 1000;
  }
  assert.equal(await first.flush(), false); // the server is down: the events stay stored
  await settle();
  const tracked = down.batches[0].body.events;
  // The process (or tab) ends here without close(); a new one starts an hour later.
  clock += 3_600_000;
  const up = fakeServer();
  const second = new QuestlogClient(options(up, { storage: makeStore(), now: () => clock }));
  assert.equal(await second.flush(), true);
  const sent = up.batches.flatMap((b) => b.body.events);
  assert.deepEqual(sent, tracked, "the same events, ids, seqs and original occurred_at");
  assert.deepEqual(sent.map((e) => e.occurred_at), [0, 1, 2, 3, 4].map((s) => `2026-12-01T10:00:0${s}.000Z`));
  second.track("BILL_VOTE", vote(5));
  await second.flush();
  assert.equal(up.batches.at(-1).body.events[0].seq, 5, "seq keeps rising across restarts");
  // Acknowledged events are gone from storage: a third start sends nothing.
  await second.close();
  const again = fakeServer();
  const third = new QuestlogClient(options(again, { storage: makeStore() }));
  assert.equal(await third.flush(), true);
  assert.equal(again.batches.length, 0);
}

test("localStorage: events of a closed tab are sent at the next start, once, with their original times", async () => {
  const storage = memoryStorage();
  await replayAcrossRestart(() => new LocalStorageStore("questlog:test", storage));
});

test("a file in Node: events of a crashed process are sent at the next start, once, with their original times", async () => {
  const path = tempFile();
  await replayAcrossRestart(() => new FileStore(path));
});

test("a file cut short mid-line by a crash loses only that line", async () => {
  const path = tempFile();
  const server = fakeServer();
  server.answer = () => "network";
  const client = new QuestlogClient(options(server, { storage: new FileStore(path) }));
  for (let i = 0; i < 3; i++) client.track("BILL_VOTE", vote(i));
  await client.close({ timeout: 1000 });
  appendFileSync(path, '{"put":[{"id":"torn');
  const store = new FileStore(path);
  const { entries, meta } = await store.load();
  assert.equal(entries.length, 3);
  assert.equal(meta.nextSeq, 3);
  assert.ok(!readFileSync(path, "utf8").includes("torn"), "compacted at load");
});
