// Headless Chromium (Debian's, through playwright-core) runs a page that uses the built
// package against a real Questlog; the page is served at Questlog's own origin by a route.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { INGEST_KEY, sameInstant, startQuestlog } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PACKAGE = new URL("..", import.meta.url).pathname;

let questlog;
let browser;
let profile;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
  }
  questlog = await startQuestlog();
  profile = mkdtempSync(join(tmpdir(), "questlog-chromium-"));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  // The game's files, at Questlog's origin (same origin: no CORS needed for this test).
  await browser.route(`${questlog.url}/game/**`, (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/game\//, "");
    const file = path === "index.html" ? join(PACKAGE, "e2e", "game.html") : join(PACKAGE, path);
    const type = file.endsWith(".js") ? "text/javascript" : "text/html";
    route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
  });
});

after(async () => {
  await browser?.close();
  await questlog?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function openGame(player, extra = "") {
  const page = await browser.newPage();
  await page.goto(`${questlog.url}/game/index.html?token=${INGEST_KEY}&player=${player}${extra}`);
  await page.evaluate(() => window.gameReady);
  return page;
}

test("a page tracks events, goes hidden and is closed: every event arrives, once", async () => {
  const page = await openGame("browser-hidden");
  for (let i = 0; i < 5; i++) assert.equal(await page.evaluate(() => window.game.vote()), true);
  // The player switches to another tab. Playwright keeps every page "visible" (focus
  // emulation; microsoft/playwright#2286), so the page is told what the browser would say.
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  const hidden = await questlog.waitForEvents("browser-hidden", 5);
  assert.equal(hidden.length, 5, "sent when hidden, long before the 10-minute flush interval");
  // Tracked while hidden, then the tab is closed: pagehide sends them with keepalive.
  for (let i = 0; i < 3; i++) await page.evaluate(() => window.game.vote());
  await page.close({ runBeforeUnload: true });
  const stored = await questlog.waitForEvents("browser-hidden", 8);
  assert.equal(stored.length, 8);
  assert.equal(new Set(stored.map((e) => e.event_id)).size, 8);
  assert.deepEqual(stored.map((e) => e.bill_id).sort(), [...Array(8).keys()].map((i) => `hb-${i}`).sort());
});

test("a page reloaded while the server is down sends its events once the server is back, once, with their times", async () => {
  await questlog.down();
  const page = await openGame("browser-outage", "&flushInterval=1000");
  for (let i = 0; i < 6; i++) await page.evaluate(() => window.game.vote());
  await page.evaluate(() => window.game.client.flush({ timeout: 5000 }));
  const before = await page.evaluate(() => window.game.stored());
  assert.equal(before.length, 6, "kept in IndexedDB while the server is unreachable");
  await page.reload();
  await page.evaluate(() => window.gameReady);
  assert.equal((await page.evaluate(() => window.game.stats())).queued, 6, "the reloaded page found them");
  await questlog.up();
  const stored = await questlog.waitForEvents("browser-outage", 6);
  assert.equal(stored.length, 6);
  const original = new Map(before.map((e) => [e.event_id, e]));
  for (const event of stored) {
    const tracked = original.get(event.event_id);
    assert.ok(tracked, "one of the events tracked before the reload");
    assert.ok(sameInstant(event.client_occurred_at, tracked.occurred_at), "the original occurred_at");
    assert.equal(event.seq, tracked.seq);
  }
  await page.waitForFunction(() => window.game.stats().queued === 0);
  // Unreadable while the server was down, the policy is asked for again once it is back;
  // The server serves its sampling policy (GET /api/v1/config); the page loaded it.
  await page.waitForFunction(() => window.game.stats().config === "loaded");
  assert.deepEqual(await page.evaluate(() => window.game.stored()), [], "acknowledged events leave IndexedDB");
  // The next reload sends nothing again: still six.
  await page.reload();
  await page.evaluate(() => window.gameReady);
  await page.evaluate(() => window.game.vote());
  const after = await questlog.waitForEvents("browser-outage", 7);
  assert.equal(after.length, 7);
  await page.close();
});
