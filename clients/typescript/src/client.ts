// QuestlogClient: queues events, persists them until the server acknowledges them, and
// sends them in batches. No public method throws (only the constructor, on options that
// cannot work); failures are counted in stats() and passed to onError.

import { Changes } from "./changes.js";
import { CONFIG_PATH, type ConfigState, fetchConfig } from "./config.js";
import type { EventTypes } from "./events.generated.js";
import { watchPage } from "./page.js";
import { backoffDelay, inSample, sampleKey } from "./policy.js";
import { ByteQueue, type Entry } from "./queue.js";
import { BATCH_PATH, postBatch } from "./sender.js";
import { BrowserStore, type Meta, MemoryStore, type QueueStore } from "./storage.js";
import { byteLength, serializeEvent, uuid4 } from "./wire.js";
import { type ClientOptions, type ClientStats, DEFAULTS, type Envelope, type Fields } from "./options.js";

export type { ClientOptions, ClientStats, DropCounts, Envelope, Fields } from "./options.js";


/** What one keepalive request may carry: browsers allow 64 KiB for all of them in flight. */
const KEEPALIVE_BYTES = 60 * 1024;
/** Events tracked before storage has loaded wait in memory; past this many they are dropped. */
const EARLY_LIMIT = 10_000;

type Timer = ReturnType<typeof setTimeout>;

function unref(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

export class QuestlogClient<E extends object = EventTypes> {
  /** Resolves once the stored queue has loaded (the client works before that too). */
  readonly ready: Promise<void>;
  private readonly opts: Required<Omit<ClientOptions, "onError" | "storage" | "token" | "optOut">>;
  private readonly token: ClientOptions["token"];
  private readonly onError: (error: unknown) => void;
  private readonly store: QueueStore;
  private readonly queue: ByteQueue;
  private readonly counts = {
    sent: 0, accepted: 0, duplicates: 0, rejected: 0, retries: 0, deferred: 0, errors: 0,
    dropped: { sampled: 0, overflow: 0, refused: 0, invalid: 0, optedOut: 0 },
  };
  private meta: Meta = { nextN: 0, nextSeq: 0, optedOut: false };
  private loaded = false;
  private early: Record<string, unknown>[] = [];
  private readonly changes: Changes;
  private draining: Promise<void> | null = null;
  private timer: Timer | null = null;
  private configTimer: Timer | null = null;
  private holdUntil = 0;
  private served = { sampleRates: {} as Record<string, number>, priorities: {} as Record<string, number> };
  private configState: ConfigState;
  private configVersion: string | null = null;
  private configLoading = false;
  private closed = false;
  private trackedSinceExit = false;
  private readonly unwatch: () => void;
  private readonly onBeforeExit = () => {
    if (this.trackedSinceExit && this.queue.waiting > 0) {
      this.trackedSinceExit = false;
      void this.kick();
    }
  };

  constructor(options: ClientOptions) {
    const o = { ...DEFAULTS, ...options };
    if (!o.endpoint || typeof o.endpoint !== "string") throw new TypeError("endpoint is required");
    if (!o.token) throw new TypeError("token is required (an API key with the ingest scope, or a player token)");
    for (const name of ["batchSize", "flushInterval", "maxBytes"] as const) {
      if (!(o[name] >= 1)) throw new RangeError(`${name} must be >= 1`);
    }
    if (!(o.maxRetries >= 0)) throw new RangeError("maxRetries must be >= 0");
    if (o.batchSize > 1000) throw new RangeError("batchSize must be <= 1000, the server's batch limit");
    this.opts = {
      ...o,
      endpoint: o.endpoint.replace(/\/+$/, ""),
      storageKey: o.storageKey ?? "default",
      sampleRates: { ...o.sampleRates },
      priorities: { ...o.priorities },
      config: o.config ?? true,
      defaults: { ...o.defaults },
      pageEvents: o.pageEvents ?? true,
      fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      now: o.now ?? Date.now,
      random: o.random ?? Math.random,
      sleep: o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    this.token = o.token;
    this.onError = o.onError ?? (() => {});
    this.queue = new ByteQueue(o.maxBytes);
    this.configState = this.opts.config ? "pending" : "off";
    const inBrowser = typeof (globalThis as { document?: unknown }).document !== "undefined";
    this.store = typeof o.storage === "object" ? o.storage
      : o.storage === "memory" || !inBrowser ? new MemoryStore() : new BrowserStore(this.opts.storageKey);
    this.changes = new Changes(this.store, () => this.meta, (error) => this.fail(error));
    this.unwatch = this.opts.pageEvents
      ? watchPage({ leaving: () => this.leaving(), online: () => void this.kick() })
      : () => {};
    const proc = (globalThis as { process?: { on?: Function; off?: Function } }).process;
    if (!inBrowser && typeof proc?.on === "function") proc.on("beforeExit", this.onBeforeExit);
    this.ready = this.start(options.optOut);
  }

  /**
   * Queue one event; returns at once. True when it is queued; false when it was left
   * out (opted out, sampled out, over the byte cap, not serializable). Never throws.
   */
  track<T extends keyof E & string>(type: T, fields: Fields<E, T>): boolean;
  track(type: string, fields?: Record<string, unknown>): boolean {
    try {
      if (this.closed) return false;
      if (this.meta.optedOut) {
        this.counts.dropped.optedOut++;
        return false;
      }
      const event: Record<string, unknown> = { ...fields, type };
      for (const [key, value] of Object.entries(this.opts.defaults)) {
        if (event[key] === undefined) event[key] = value;
      }
      event.event_id ||= uuid4();
      event.occurred_at ||= new Date(this.opts.now()).toISOString();
      if (!this.loaded) {
        if (this.early.length >= EARLY_LIMIT) {
          this.counts.dropped.overflow++;
          return false;
        }
        this.early.push(event);
        return true;
      }
      return this.enqueue(event);
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /**
   * Send everything queued now. Resolves true when every event queued before the call
   * was acknowledged (or refused by the server), false when some still wait (the server
   * is down, say) or `timeout` ms passed. Never rejects.
   */
  async flush(options: { timeout?: number } = {}): Promise<boolean> {
    try {
      await this.ready;
      const before = this.queue.snapshotIds();
      const drained = this.drainAll();
      const timeout = options.timeout ?? 30_000;
      let timer: Timer | undefined;
      const expired = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeout); });
      await Promise.race([drained, expired]);
      // What was acknowledged leaves storage too before flush resolves (a process may exit next).
      this.persist(true);
      await Promise.race([this.changes.written, expired]);
      clearTimeout(timer);
      return !before.some((id) => this.queue.has(id));
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** The player opts out: the queue (memory and storage) is cleared and nothing is sent. */
  optOut(): void {
    try {
      this.meta.optedOut = true;
      this.counts.dropped.optedOut += this.queue.size + this.early.length;
      this.early = [];
      for (const entry of this.queue.clear()) this.forget(entry.id);
      this.clearTimer();
      this.persist();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The player opts back in: events are queued and sent again. */
  optIn(): void {
    try {
      this.meta.optedOut = false;
      this.persist();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Fill these envelope fields on every later event (e.g. user_id after login). */
  setDefaults(defaults: Envelope): void {
    this.opts.defaults = { ...this.opts.defaults, ...defaults };
  }

  stats(): ClientStats {
    return {
      queued: this.queue.size + this.early.length,
      queuedBytes: this.queue.bytes,
      ...this.counts,
      dropped: { ...this.counts.dropped },
      optedOut: this.meta.optedOut,
      config: this.configState,
      configVersion: this.configVersion,
    };
  }

  /** Flush (at most `timeout` ms), then stop timers and listeners. What is left stays stored. */
  async close(options: { timeout?: number } = {}): Promise<boolean> {
    if (this.closed) return this.queue.size === 0;
    const drained = await this.flush(options);
    this.closed = true;
    this.clearTimer();
    if (this.configTimer) clearTimeout(this.configTimer);
    this.unwatch();
    const proc = (globalThis as { process?: { off?: Function } }).process;
    if (typeof proc?.off === "function") proc.off("beforeExit", this.onBeforeExit);
    this.persist();
    await this.changes.written;
    return drained;
  }

  // -- start -----------------------------------------------------------------------

  private async start(optOut: boolean | undefined): Promise<void> {
    try {
      const saved = await this.store.load();
      this.meta = {
        nextN: Math.max(this.meta.nextN, Number(saved.meta.nextN) || 0),
        nextSeq: Math.max(this.meta.nextSeq, Number(saved.meta.nextSeq) || 0),
        optedOut: optOut ?? Boolean(saved.meta.optedOut),
      };
      for (const entry of saved.entries) this.meta.nextN = Math.max(this.meta.nextN, entry.n + 1);
      const refused = this.queue.restore(saved.entries, this.priorities());
      this.counts.dropped.overflow += refused.length;
      for (const entry of refused) this.forget(entry.id);
      if (this.meta.optedOut && saved.entries.length) this.optOut();
    } catch (error) {
      this.fail(error);
      if (optOut !== undefined) this.meta.optedOut = optOut;
    }
    this.loaded = true;
    const early = this.early;
    this.early = [];
    if (this.meta.optedOut) this.counts.dropped.optedOut += early.length;
    else for (const event of early) this.enqueue(event);
    this.persist();
    if (this.opts.config) await this.refreshConfig();
    if (this.queue.waiting > 0) void this.kick(); // left by an earlier run: send them now
  }

  private async refreshConfig(): Promise<void> {
    if (this.configTimer) clearTimeout(this.configTimer);
    this.configLoading = true;
    try {
      const url = this.opts.endpoint + CONFIG_PATH;
      const { state, config } = await fetchConfig(this.opts.fetch, url, await this.credential(), this.opts.timeout);
      if (state !== "failed" || this.configState !== "loaded") this.configState = state;
      if (config) {
        this.served = { sampleRates: config.sampleRates, priorities: config.priorities };
        this.configVersion = config.version;
      }
    } catch (error) {
      this.fail(error);
    }
    this.configLoading = false;
    if (this.opts.configInterval > 0 && !this.closed && this.configState !== "absent") {
      this.configTimer = unref(setTimeout(() => void this.refreshConfig(), this.opts.configInterval));
    }
  }

  // -- queueing --------------------------------------------------------------------

  private priorities(): Record<string, number> {
    return { ...this.opts.priorities, ...this.served.priorities };
  }

  private sampled(event: Record<string, unknown>): boolean {
    const type = String(event.type);
    const rate = this.served.sampleRates[type] ?? this.opts.sampleRates[type];
    if (rate === undefined) return true;
    // Per player and type, so the same players stay in the sample; without a player,
    // per event, which still keeps `rate` of them (as the Python client does).
    const who = String(event.user_id || event.event_id);
    return inSample(sampleKey(who, type), rate);
  }

  private enqueue(event: Record<string, unknown>): boolean {
    if (!this.sampled(event)) {
      this.counts.dropped.sampled++;
      return false;
    }
    // Numbered before the byte cap: a gap in seq on the server is a client drop.
    if (event.seq == null) event.seq = this.meta.nextSeq++;
    let raw: string;
    try {
      raw = serializeEvent(event);
    } catch (error) {
      this.counts.dropped.invalid++;
      this.report(error);
      return false;
    }
    const entry: Entry = { id: String(event.event_id), type: String(event.type), raw, bytes: byteLength(raw), n: this.meta.nextN++ };
    const evicted = this.queue.add(entry, this.priorities());
    if (evicted === null) {
      this.counts.dropped.overflow++;
      this.persist(); // the seq counter moved
      return false;
    }
    this.counts.dropped.overflow += evicted.length;
    for (const victim of evicted) this.forget(victim.id);
    this.changes.added(entry);
    this.persist();
    this.trackedSinceExit = true;
    if (this.queue.waiting >= this.opts.batchSize) void this.kick();
    else this.arm(this.opts.flushInterval);
    return true;
  }

  /** Write what changed (coalesced per tick; at once when `now`), once the stored queue has loaded. */
  private persist(now = false): void {
    if (this.loaded) this.changes.save(now);
  }

  private forget(id: string): void {
    this.changes.forget(id);
  }

  // -- sending ---------------------------------------------------------------------

  private async credential(): Promise<string> {
    return typeof this.token === "function" ? await this.token() : this.token;
  }

  private arm(delay: number): void {
    if (this.timer !== null || this.closed) return;
    this.timer = unref(setTimeout(() => {
      this.timer = null;
      void this.kick();
    }, Math.max(0, delay)));
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Start sending what waits, unless a round is already under way (it takes them too). */
  private kick(): Promise<void> {
    if (!this.loaded || this.meta.optedOut) return Promise.resolve();
    this.draining ??= this.drain().finally(() => { this.draining = null; });
    return this.draining;
  }

  private async drainAll(): Promise<void> {
    // A round under way may end on a failure before it takes this call's events: one more.
    // (Unless that round failed: the server is down, and a round has just tried.)
    const failures = this.counts.deferred;
    if (this.draining) await this.draining;
    if (this.counts.deferred === failures) await this.kick();
  }

  private async drain(): Promise<void> {
    this.clearTimer();
    while (this.queue.waiting > 0 && !this.meta.optedOut) {
      const wait = this.holdUntil - this.opts.now();
      if (wait > 0) return this.arm(wait); // the server asked for a pause (Retry-After)
      const batch = this.queue.take(this.opts.batchSize);
      if (!(await this.deliver(batch))) {
        this.arm(Math.max(this.opts.flushInterval, this.holdUntil - this.opts.now()));
        return;
      }
    }
  }

  /** Deliver one batch with its retries; false when it is still queued afterwards. */
  private async deliver(batch: Entry[], keepalive = false): Promise<boolean> {
    const ids = batch.map((e) => e.id);
    try {
      const retries = keepalive ? 0 : this.opts.maxRetries;
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) this.counts.retries++;
        const result = await postBatch({
          fetch: this.opts.fetch, url: this.opts.endpoint + BATCH_PATH, credential: await this.credential(),
          events: batch.map((e) => e.raw), keepalive, timeout: this.opts.timeout, now: this.opts.now,
        });
        if (result.outcome === "delivered" || result.outcome === "drop") {
          this.settle(ids, result.outcome === "drop");
          if (result.outcome === "drop") this.report(new Error(`questlog refused a batch of ${ids.length}: ${result.detail}`));
          else if (result.answer) this.count(result.answer, ids.length);
          else this.counts.errors++;
          // The policy could not be read at start (the server was down): read it now.
          if (this.configState === "failed" && !this.configLoading) void this.refreshConfig();
          return true;
        }
        this.report(new Error(`questlog batch not delivered: ${result.detail}`));
        if (result.outcome === "credential" || attempt === retries) break;
        let delay = backoffDelay(attempt, this.opts.backoffBase, this.opts.maxDelay, this.opts.random());
        if (result.retryAfter !== null) {
          delay = Math.min(result.retryAfter, this.opts.maxDelay);
          this.holdUntil = this.opts.now() + delay;
        }
        await this.opts.sleep(delay);
        if (this.meta.optedOut || !this.queue.has(ids[0])) return true; // cleared meanwhile
      }
    } catch (error) {
      this.fail(error);
    }
    this.queue.release(ids);
    this.counts.deferred++;
    return false;
  }

  private settle(ids: string[], refused: boolean): void {
    const known = ids.filter((id) => this.queue.has(id));
    this.queue.remove(known);
    for (const id of known) this.forget(id);
    if (refused) this.counts.dropped.refused += known.length;
    this.persist();
  }

  private count(answer: { accepted: number; duplicates: number; rejected: number }, size: number): void {
    this.counts.sent += size;
    this.counts.accepted += answer.accepted;
    this.counts.duplicates += answer.duplicates;
    this.counts.rejected += answer.rejected;
  }

  /** The page is hidden or left: store everything now and send what fits one keepalive request. */
  private leaving(): void {
    try {
      this.persist(true);
      if (this.meta.optedOut || !this.loaded || this.queue.waiting === 0) return;
      const batch = this.queue.take(1000, KEEPALIVE_BYTES);
      void this.deliver(batch, true);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    this.report(error);
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // the game's own handler failed: nothing more to do
    }
  }
}
