// A real Questlog for the end-to-end tests: secantusd-rs (a MongoDB-wire server) and
// `questlog serve` from the repository's .venv, each a child process of the test.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(import.meta.url), "..", "..", "..", "..");
const BIN = process.env.QUESTLOG_VENV_BIN ?? join(REPO, ".venv", "bin");
export const INGEST_KEY = "e2e-ingest-key";
const READ_KEY = "e2e-read-key";

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function waitForLine(child, pattern, what) {
  return new Promise((done, fail) => {
    let seen = "";
    const onData = (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) {
        child.stdout.off("data", onData);
        child.stderr.off("data", onData);
        done(match);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => fail(new Error(`${what} exited (${code}) before it was ready:\n${seen}`)));
  });
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    child.kill("SIGTERM");
  });
}

/** Start secantusd-rs, then `questlog serve` on a port of its own. */
export async function startQuestlog() {
  const dir = mkdtempSync(join(tmpdir(), "questlog-ts-e2e-"));
  const store = spawn(join(BIN, "secantusd-rs"), ["--port", "0", "--storage-path", join(dir, "db")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [, storePort] = await waitForLine(store, /listening on 127\.0\.0\.1:(\d+)/, "secantusd-rs");
  const port = await freePort();
  const env = {
    ...process.env,
    QUESTLOG_API_KEYS: `${INGEST_KEY}:ingest;${READ_KEY}:read`,
    QUESTLOG_SCHEDULER_ENABLED: "false",
    QUESTLOG_MONGODB_URL: `mongodb://127.0.0.1:${storePort}`,
    QUESTLOG_DATABASE: `ts_e2e_${process.pid}_${port}`,
    // A throwaway server: the development secrets are fine (serve refuses them otherwise),
    // and no rate limits (1,000 BILL_VOTEs of one player are over its burst of 500).
    QUESTLOG_ENV: "development",
    QUESTLOG_RATE_LIMITS_ENABLED: "false",
  };
  const questlog = {
    url: `http://127.0.0.1:${port}`,
    process: null,
    log: "",
    /** (Re)start `questlog serve`; resolves once /api/v1/health answers 200. */
    async up() {
      const child = spawn(join(BIN, "questlog"), ["serve", "--host", "127.0.0.1", "--port", String(port)], {
        env, stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (c) => { questlog.log += c; });
      child.stderr.on("data", (c) => { questlog.log += c; });
      questlog.process = child;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`questlog serve exited:\n${questlog.log}`);
        try {
          const response = await fetch(`${questlog.url}/api/v1/health`);
          if (response.status === 200) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** Stop `questlog serve` only; the store keeps its data. */
    async down() {
      await stop(questlog.process);
      questlog.process = null;
    },
    /** Every stored event of a player, through GET /api/v1/events (scope read). */
    async events(userId) {
      const out = [];
      for (let page = 1; ; page++) {
        const response = await fetch(`${questlog.url}/api/v1/events?user_id=${encodeURIComponent(userId)}&page=${page}&page_size=1000`, {
          headers: { Authorization: `Bearer ${READ_KEY}` },
        });
        if (response.status !== 200) throw new Error(`GET /api/v1/events: ${response.status} ${await response.text()}`);
        const body = await response.json();
        out.push(...body.data);
        if (out.length >= body.meta.total || body.data.length === 0) return out;
      }
    },
    /** Poll until `count` events of the player are stored (or `timeout` ms passed); returns them. */
    async waitForEvents(userId, count, timeout = 20_000) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const events = await questlog.events(userId);
        if (events.length >= count || Date.now() > deadline) return events;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await questlog.down();
      await stop(store);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await questlog.up();
  } catch (error) {
    await questlog.close();
    throw error;
  }
  return questlog;
}

/** The same instant, whatever the notation (Z or +00:00, milliseconds or micro). */
export function sameInstant(a, b) {
  return Date.parse(a) === Date.parse(b);
}
