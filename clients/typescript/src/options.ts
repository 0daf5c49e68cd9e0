// The client's options and counters, as the game sees them.

import type { ConfigState } from "./config.js";
import type { QueueStore } from "./storage.js";

/**
 * Fields the client can fill on every event (see `defaults` and `setDefaults`): the
 * envelope, and the gameplay catalog's install, build, platform and shard.
 */
export interface Envelope {
  user_id?: string | null;
  company_id?: string | null;
  session_id?: string | null;
  source?: string | null;
  game_version?: string | null;
  client_guid?: string;
  build?: string;
  platform?: string;
  shard?: string;
}

type Defaultable = keyof Envelope;

type Distribute<V> = V extends unknown
  ? Omit<V, "type" | "occurred_at" | Defaultable>
    & Partial<Pick<V, Extract<keyof V, Defaultable>>>
    & { occurred_at?: string | Date | null }
  : never;

/**
 * The fields of an event of type T (any of its versions), without `type`. The fields
 * `defaults` can fill are optional here; the server still rejects an event without
 * one its type requires (and keeps it in its quarantine).
 */
export type Fields<E, T extends keyof E> = Distribute<E[T]>;

export interface ClientOptions {
  /** Questlog's base URL, e.g. "https://questlog.example.com" */
  endpoint: string;
  /** an API key with the ingest scope, or a player token; a function is asked before each request */
  token: string | (() => string | Promise<string>);
  /** events per batch; a batch leaves as soon as this many wait (default 10, at most 1000) */
  batchSize?: number;
  /** ms after the first waiting event before a batch leaves anyway (default 12000) */
  flushInterval?: number;
  /** retries per round of a failing batch; afterwards it stays queued for the next round (default 2) */
  maxRetries?: number;
  /** ms: the backoff before retry n is random() * min(maxDelay, backoffBase * 2**n) (default 1000) */
  backoffBase?: number;
  /** ms: the longest backoff, and the longest Retry-After honoured (default 30000) */
  maxDelay?: number;
  /** bytes of serialized events the queue holds; past it the lowest priority goes first (default 1 MiB) */
  maxBytes?: number;
  /** ms for one request (default 10000) */
  timeout?: number;
  /** "auto" (IndexedDB, else localStorage, else memory in a browser; memory in Node), "memory", or a store */
  storage?: "auto" | "memory" | QueueStore;
  /** names the stored queue (default "default") */
  storageKey?: string;
  /** {type: rate 0..1}: the share of players kept per type; the server's policy overrides it */
  sampleRates?: Record<string, number>;
  /** {type: number}: higher is kept longer when the byte cap is reached; unlisted types are 0 */
  priorities?: Record<string, number>;
  /** read the sampling policy from GET /api/v1/config (default true; a 404 is fine) */
  config?: boolean;
  /** ms between reads of the policy; 0: at start only (default 600000) */
  configInterval?: number;
  /** fields set on every event that lacks them (user_id, session_id, source, ...) */
  defaults?: Envelope;
  /** start opted out (true) or in (false); default: the stored choice */
  optOut?: boolean;
  /** send on visibilitychange to hidden, pagehide and online in a browser (default true) */
  pageEvents?: boolean;
  /** called with every failure the client swallows */
  onError?: (error: unknown) => void;
  /** for tests: the fetch, clock, jitter source and sleep to use */
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DropCounts {
  /** left out by the sampling policy */
  sampled: number;
  /** the byte cap was reached: the lowest-priority events went first */
  overflow: number;
  /** the server refused the batch (a 4xx other than 401, 403, 408, 429) */
  refused: number;
  /** not serializable to JSON (NaN, BigInt, a cycle) */
  invalid: number;
  /** tracked while opted out, or cleared by optOut() */
  optedOut: number;
}

export interface ClientStats {
  /** events waiting for an acknowledgement now (in memory and in storage) */
  queued: number;
  queuedBytes: number;
  /** events of batches the server answered: accepted + duplicates + rejected */
  sent: number;
  accepted: number;
  /** already stored: a resend of a batch whose answer was lost */
  duplicates: number;
  /** invalid events; the server keeps them in its quarantine */
  rejected: number;
  dropped: DropCounts;
  /** requests sent again after a failure */
  retries: number;
  /** delivery rounds that ended with the batch still queued (server down, 401/403) */
  deferred: number;
  /** failures swallowed: storage errors, unexpected answers, bugs */
  errors: number;
  optedOut: boolean;
  config: ConfigState;
  configVersion: string | null;
}

export const DEFAULTS = {
  batchSize: 10,
  flushInterval: 12_000,
  maxRetries: 2,
  backoffBase: 1_000,
  maxDelay: 30_000,
  maxBytes: 1024 * 1024,
  timeout: 10_000,
  configInterval: 600_000,
};
