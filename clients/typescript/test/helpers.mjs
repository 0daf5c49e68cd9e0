// A scripted Questlog for the unit tests: records every request, answers as told.

export function fakeServer() {
  const server = {
    requests: [],
    /** (request) => {status, body?, headers?} | "network"; default: accept everything */
    answer: null,
    stored: new Map(),
    get batches() {
      return server.requests.filter((r) => r.url.endsWith("/api/v1/events/batch"));
    },
    fetch: async (url, init = {}) => {
      const request = { url: String(url), init, body: init.body ? JSON.parse(init.body) : null };
      server.requests.push(request);
      if (request.url.endsWith("/api/v1/config")) {
        const config = server.config;
        return config ? json(200, { ok: true, data: config }) : json(404, { ok: false, error: { code: "not_found" } });
      }
      const planned = server.answer ? server.answer(request) : null;
      if (planned === "network") throw new TypeError("fetch failed");
      if (planned) return json(planned.status, planned.body ?? {}, planned.headers);
      let accepted = 0;
      let duplicates = 0;
      for (const event of request.body.events) {
        if (server.stored.has(event.event_id)) duplicates++;
        else {
          accepted++;
          server.stored.set(event.event_id, event);
        }
      }
      return json(200, { ok: true, data: { accepted, duplicates, rejected: 0, event_ids: [], rejections: [] } });
    },
  };
  return server;
}

export function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** Options for a client against `server` that never waits on a real clock for retries. */
export function options(server, extra = {}) {
  const slept = [];
  return {
    endpoint: "http://questlog.test",
    token: "test-key",
    fetch: server.fetch,
    config: false,
    storage: "memory",
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
    },
    slept,
    ...extra,
  };
}

export const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A localStorage stand-in. */
export function memoryStorage() {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
  };
}
