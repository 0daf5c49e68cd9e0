// The sampling policy served by GET /api/v1/config, when the server has it.

export const CONFIG_PATH = "/api/v1/config";

export interface ServedConfig {
  version: string | null;
  sampleRates: Record<string, number>;
  priorities: Record<string, number>;
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "number" && Number.isFinite(item)) out[key] = item;
    }
  }
  return out;
}

/**
 * Read the served policy: `{"data": {"version", "sample_rates": {type: rate},
 * "priorities": {type: number}}}`. Anything else in it is ignored.
 */
export function parseConfig(body: unknown): ServedConfig | null {
  const data = (body as { data?: Record<string, unknown> } | null)?.data;
  if (!data || typeof data !== "object") return null;
  return {
    version: data.version == null ? null : String(data.version),
    sampleRates: numbers(data.sample_rates),
    priorities: numbers(data.priorities),
  };
}

export type ConfigState = "pending" | "loaded" | "absent" | "failed" | "off";

export async function fetchConfig(
  fetcher: typeof fetch, url: string, credential: string, timeout: number,
): Promise<{ state: ConfigState; config: ServedConfig | null }> {
  try {
    const response = await fetcher(url, {
      headers: { Authorization: `Bearer ${credential}` },
      signal: typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(timeout) : undefined,
    });
    if (response.status === 404) return { state: "absent", config: null };
    if (!response.ok) return { state: "failed", config: null };
    const config = parseConfig(await response.json());
    return config ? { state: "loaded", config } : { state: "failed", config: null };
  } catch {
    return { state: "failed", config: null };
  }
}
