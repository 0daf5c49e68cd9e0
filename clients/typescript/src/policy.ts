// The client's decisions as pure functions: what an answer means, how long to wait, and
// which players are in a sample. They follow src/questlog/client/policy.py.

import { blake2b } from "./blake2b.js";

export type Verdict = "delivered" | "retry" | "credential" | "drop";

/**
 * What an HTTP status means for a batch: delivered (2xx); retry later (408, 429, 5xx);
 * credential (401, 403: the events are kept, a fresh credential may succeed); drop
 * (any other 4xx: the server refused the request itself, resending cannot help).
 */
export function verdict(status: number): Verdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  if (status === 401 || status === 403) return "credential";
  return "drop";
}

/** Exponential backoff with full jitter: a uniform pick in [0, min(cap, base * 2**retry)). */
export function backoffDelay(retry: number, base: number, cap: number, draw: number): number {
  return draw * Math.min(cap, base * 2 ** Math.min(retry, 32));
}

/** Milliseconds to wait from a Retry-After header (delay-seconds or an HTTP date); null if absent. */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/(GMT|UTC|[+-]\d{4})$/.test(text)) return null; // HTTP dates are GMT by definition
  const moment = Date.parse(text);
  return Number.isNaN(moment) ? null : Math.max(0, moment - now);
}

const encoder = new TextEncoder();

/** The 64-bit hash sampling uses: BLAKE2b with an 8-byte digest, read big-endian. */
export function sampleHash(key: string): bigint {
  const digest = blake2b(encoder.encode(key), 8);
  let value = 0n;
  for (const byte of digest) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * Whether `key` falls in a sample of `rate` (0..1); the same key always gets the same
 * answer, here, in the Python client and on every machine.
 */
export function inSample(key: string, rate: number): boolean {
  if (!(rate < 1)) return rate >= 1;
  if (!(rate > 0)) return false;
  // hash < rate * 2**64, exactly: the product is exact in binary floating point, and for
  // an integer hash, hash < x holds exactly when hash < ceil(x).
  return sampleHash(key) < BigInt(Math.ceil(rate * 2 ** 64));
}

/** The sampling key of an event: its player (or, without one, the event) and its type. */
export function sampleKey(who: string, type: string): string {
  return `${who}\u001f${type}`;
}
