// One POST of a batch, and what came of it. Never throws.

import { type Verdict, retryAfterMs, verdict } from "./policy.js";
import { batchBody } from "./wire.js";

export const BATCH_PATH = "/api/v1/events/batch";

export interface Answer {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface Attempt {
  outcome: Verdict;
  /** the server's Retry-After, in milliseconds, when it sent one */
  retryAfter: number | null;
  answer: Answer | null;
  /** why it failed: the status and its error code, or the network error */
  detail: string;
}

export interface PostOptions {
  fetch: typeof fetch;
  url: string;
  credential: string;
  events: readonly string[];
  keepalive: boolean;
  timeout: number;
  now: () => number;
}

function readAnswer(body: unknown): Answer | null {
  const data = (body as { data?: Record<string, unknown> } | null)?.data;
  if (!data) return null;
  const [accepted, duplicates, rejected] = [data.accepted, data.duplicates, data.rejected].map(Number);
  return [accepted, duplicates, rejected].every(Number.isFinite) ? { accepted, duplicates, rejected } : null;
}

export async function postBatch(options: PostOptions): Promise<Attempt> {
  const sentAt = options.now();
  // sent_at is this try's clock: the server corrects occurred_at by it.
  const body = batchBody(options.events, new Date(sentAt));
  let response: Response;
  try {
    response = await options.fetch(options.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${options.credential}` },
      body,
      keepalive: options.keepalive,
      signal: typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(options.timeout) : undefined,
    });
  } catch (error) {
    return { outcome: "retry", retryAfter: null, answer: null, detail: `unreachable: ${String(error)}` };
  }
  const outcome = verdict(response.status);
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // a proxy's HTML page, or no body: the status says enough
  }
  const code = (parsed as { error?: { code?: string } } | null)?.error?.code;
  return {
    outcome,
    retryAfter: outcome === "retry" ? retryAfterMs(response.headers.get("Retry-After"), options.now()) : null,
    answer: outcome === "delivered" ? readAnswer(parsed) : null,
    detail: `HTTP ${response.status}${code ? ` ${code}` : ""}`,
  };
}
