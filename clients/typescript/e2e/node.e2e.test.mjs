import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import { FileStore } from "../dist/node.js";
import { INGEST_KEY, sameInstant, startQuestlog } from "./harness.mjs";

const run = promisify(execFile);
const script = new URL("./send-events.mjs", import.meta.url).pathname;
let questlog;

before(async () => { questlog = await startQuestlog(); });
after(async () => { await questlog?.close(); });

async function send(user, count, file) {
  const { stdout } = await run(process.execPath, [script, questlog.url, INGEST_KEY, user, String(count), ...(file ? [file] : [])]);
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

test("a Node service sends 1,000 events and every one is stored exactly once", async () => {
  const stats = await send("node-1000", 1000);
  assert.equal(stats.delivered, true);
  assert.deepEqual([stats.sent, stats.accepted, stats.duplicates, stats.rejected], [1000, 1000, 0, 0]);
  const stored = await questlog.events("node-1000");
  assert.equal(stored.length, 1000);
  assert.equal(new Set(stored.map((e) => e.event_id)).size, 1000);
  assert.deepEqual(stored.map((e) => e.seq).sort((a, b) => a - b), [...Array(1000).keys()]);
  assert.deepEqual(new Set(stored.map((e) => e.lobby_payments_count)).size, 1000);
});

test("a Node service's events tracked while Questlog is down reach it after a restart, once, with their times", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "questlog-ts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "queue.log");
  await questlog.down();
  const first = await send("node-outage", 50, file);
  assert.equal(first.delivered, false);
  assert.equal(first.queued, 50);
  const { entries } = await new FileStore(file).load();
  const tracked = new Map(entries.map((e) => JSON.parse(e.raw)).map((e) => [e.event_id, e.occurred_at]));
  assert.equal(tracked.size, 50);
  await questlog.up();
  const second = await send("node-outage", 0, file); // a new process: the file's events only
  assert.equal(second.delivered, true);
  assert.equal(second.accepted, 50);
  const stored = await questlog.events("node-outage");
  assert.equal(stored.length, 50);
  assert.equal(new Set(stored.map((e) => e.event_id)).size, 50);
  for (const event of stored) {
    assert.ok(sameInstant(event.client_occurred_at, tracked.get(event.event_id)), "the original occurred_at");
    // Corrected for skew by sent_at, occurred_at stays the time of tracking, not of sending.
    assert.ok(Math.abs(Date.parse(event.occurred_at) - Date.parse(event.client_occurred_at)) < 5_000);
  }
  const third = await send("node-outage", 0, file);
  assert.deepEqual([third.sent, third.queued], [0, 0], "nothing left to resend");
});
