// Questlog dashboards: the helpers every page shares. The pages read the JSON API with
// the viewer's own credential: a designer's key (kept in sessionStorage for this tab),
// a player's token or a company's dashboard token (from the link).
"use strict";

const Q = (() => {
  const KEY = "questlog.key";
  const SCOPES = "questlog.scopes";
  const DESIGNER_PAGES = [
    ["home", "Overview"], ["stats", "Event types"], ["retention", "Retention"],
    ["funnels", "Funnels"], ["breakdown", "Breakdowns"], ["events", "Events"],
  ];

  const key = () => sessionStorage.getItem(KEY);
  const scopes = () => JSON.parse(sessionStorage.getItem(SCOPES) || "[]");

  function signIn(value, granted) {
    sessionStorage.setItem(KEY, value);
    sessionStorage.setItem(SCOPES, JSON.stringify(granted));
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SCOPES);
    location.href = "/dashboard";
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(code ? `${code}: ${message}` : message);
      this.status = status;
      this.code = code;
    }
  }

  function url(path, params) {
    const out = new URL(path, location.origin);
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") out.searchParams.set(name, value);
    }
    return out;
  }

  async function api(path, params, options = {}) {
    const credential = options.credential === undefined ? key() : options.credential;
    const headers = {};
    if (credential) headers.Authorization = `Bearer ${credential}`;
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(url(path, params), {
      method: options.method || "GET", headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    const payload = await response.json().catch(() => null);
    if (!response.ok || !payload || payload.ok !== true) {
      const error = payload && payload.error;
      throw new ApiError(response.status, error && error.code,
                         error ? error.message : `HTTP ${response.status}`);
    }
    return payload;
  }

  // The answer of `request`, or null when the privacy threshold withholds it: the page
  // then shows `text` in place of its figures.
  const FEW_PLAYERS = "Not enough data yet: too few players in this company.";
  async function unlessWithheld(request, text = FEW_PLAYERS) {
    try {
      return await request;
    } catch (error) {
      if (error.code !== "below_privacy_threshold") throw error;
      content().append(el("div", { class: "empty", id: "withheld", text }));
      return null;
    }
  }

  // Which scopes a key holds: read (the analytics answer), admin (the job runs answer).
  async function probe(candidate) {
    await api("/api/v1/analytics/types", {}, { credential: candidate });
    try {
      await api("/api/v1/jobs/runs", { page_size: 1 }, { credential: candidate });
      return ["read", "admin"];
    } catch (error) {
      if (error.status === 403) return ["read"];
      throw error;
    }
  }

  // --- the URL holds the page's state (range, scope, filters) ---
  const param = (name, fallback) => new URLSearchParams(location.search).get(name) ?? fallback;

  function setParams(values) {
    const search = new URLSearchParams(location.search);
    for (const [name, value] of Object.entries(values)) {
      if (value === null || value === undefined || value === "") search.delete(name);
      else search.set(name, value);
    }
    history.replaceState(null, "", `${location.pathname}?${search}`);
    run();
  }

  // --- formatting: the same rules as tests/dashboard/shown.py ---
  function fmt(value, kind) {
    if (value === null || value === undefined) return "—";
    if (kind === "pct") return `${(value * 100).toFixed(1)}%`;
    if (kind === "min") return `${(value / 60).toFixed(1)} min`;
    if (kind === "float") return Number.isInteger(value) ? String(value) : value.toFixed(2);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  const content = () => document.getElementById("content");

  // A line of explanation above the page's panels (the status line says how loading went).
  const note = (text, id = "note") => content().append(el("p", { class: "note", id, text }));

  function status(message, isError = false) {
    const node = document.getElementById("status");
    node.textContent = message || "";
    node.className = isError ? "status error" : "status";
  }

  // --- CSV: the columns' raw values, as the API gave them ---
  function csvCell(value) {
    if (value === null || value === undefined) return "";
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function csv(rows, columns) {
    const lines = [columns.map((c) => csvCell(c.key)).join(",")];
    for (const row of rows) lines.push(columns.map((c) => csvCell(pick(row, c.key))).join(","));
    return `${lines.join("\r\n")}\r\n`;
  }

  const pick = (row, path) => path.split(".").reduce((v, k) => (v == null ? v : v[k]), row);

  function download(name, text) {
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
                           download: name });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function csvButton(id, name, rows, columns) {
    return el("button", { type: "button", class: "csv", id: `csv-${id}`, text: "CSV",
                          title: `Download ${name}`,
                          onclick: () => download(name, csv(rows, columns)) });
  }

  function panel(id, title, rows, columns) {
    const box = el("section", { class: "panel", id: `panel-${id}` },
      el("div", { class: "panel-head" }, el("h2", { text: title }),
         csvButton(id, `${id}.csv`, rows, columns)));
    return box;
  }

  function table(parent, { id, title, columns, rows }) {
    const box = panel(id, title, rows, columns);
    const head = el("tr", {}, ...columns.map((c) => el("th", { text: c.label || c.key })));
    const body = el("tbody");
    for (const row of rows) {
      body.append(el("tr", {}, ...columns.map((c) => {
        const value = pick(row, c.key);
        const cell = el("td", { "data-key": c.key, "data-value": JSON.stringify(value ?? null),
                                class: typeof value === "number" ? "num" : "" });
        if (c.render) cell.append(c.render(value, row));
        else cell.textContent = fmt(value, c.kind);
        return cell;
      })));
    }
    box.append(el("table", { id: `table-${id}` }, el("thead", {}, head), body));
    if (!rows.length) box.append(el("div", { class: "empty", text: "No data in this range." }));
    parent.append(box);
    return box;
  }

  // A chart of rows: x is a column, each series a column; CSV of the same columns.
  function chart(parent, { id, title, rows, x, series, layout = {} }) {
    const columns = [{ key: x }, ...series.map((s) => ({ key: s.key }))];
    const box = panel(`chart-${id}`, title, rows, columns);
    const area = el("div", { class: "chart", id: `chart-${id}` });
    box.append(area);
    parent.append(box);
    const traces = series.map((s) => ({
      x: rows.map((r) => pick(r, x)), y: rows.map((r) => pick(r, s.key)), name: s.label || s.key,
      type: s.type || "scatter", mode: s.type ? undefined : "lines+markers",
    }));
    // plotly.js (4.8 MB) is fetched by the first chart only: tables and cards need none.
    charts.push(plotly().then(() => Plotly.newPlot(area, traces, {
      margin: { t: 10, r: 10, b: 40, l: 50 }, legend: { orientation: "h" }, ...layout,
    }, { displaylogo: false, responsive: true })));
    return box;
  }

  let plotlyLoaded = null;
  let charts = [];
  function plotly() {
    plotlyLoaded = plotlyLoaded || new Promise((resolve, reject) => {
      const script = el("script", { src: "/dashboard/static/vendor/plotly.min.js" });
      script.onload = resolve;
      script.onerror = () => reject(new Error("the chart library did not load"));
      document.head.append(script);
    });
    return plotlyLoaded;
  }

  function cards(parent, items) {
    const box = el("div", { class: "cards" });
    for (const item of items) {
      box.append(el("div", { class: "card", id: `card-${item.id}`,
                             "data-value": JSON.stringify(item.value ?? null) },
        el("div", { class: "label", text: item.label }),
        el("div", { class: "value", text: fmt(item.value, item.kind) })));
    }
    parent.append(box);
    return box;
  }

  // --- controls bound to URL parameters ---
  function select(name, label, options, fallback) {
    const node = el("select", { id: `ctl-${name}`, name,
                                onchange: (e) => setParams({ [name]: e.target.value }) });
    for (const option of options) {
      const [value, text] = Array.isArray(option) ? option : [option, option];
      node.append(el("option", { value, text }));
    }
    node.value = param(name, fallback);
    document.getElementById("controls").append(el("label", { text: label }, node));
    return node;
  }

  function input(name, label, fallback = "", attributes = {}) {
    const node = el("input", { id: `ctl-${name}`, name, value: param(name, fallback), ...attributes,
                               onchange: (e) => setParams({ [name]: e.target.value.trim() }) });
    document.getElementById("controls").append(el("label", { text: label }, node));
    return node;
  }

  const DAY = 86400000;
  const isoDay = (time) => new Date(time).toISOString().slice(0, 10);

  // The range control: the last N UTC days up to today.
  function rangeControl(fallback = "14") {
    select("days", "Range", [["7", "7 days"], ["14", "14 days"], ["28", "28 days"]], fallback);
  }

  function range() {
    const days = Number(param("days", "14"));
    const today = Date.now();
    return { from: isoDay(today - (days - 1) * DAY), to: isoDay(today) };
  }

  async function companyControl() {
    const node = select("company_id", "Scope", [["", "Whole game"]], "");
    try {
      const { data } = await api("/api/v1/analytics/companies", range());
      for (const c of data) {
        node.append(el("option", { value: c.company_id,
                                   text: `${c.company_id} (${c.players} players)` }));
      }
      node.value = param("company_id", "");
    } catch (error) { status(error.message, true); }
  }

  // --- the page's life: nav, auth, load, ready flag for tests ---
  let loader = null;

  async function run() {
    if (!loader) return;
    document.body.dataset.ready = "0";
    document.body.dataset.charts = "0";
    const started = performance.now();
    status("Loading…");
    content().replaceChildren();
    try {
      charts = [];
      await loader();
      status(`Loaded in ${Math.round(performance.now() - started)} ms.`);
      document.body.dataset.ready = "1";  // the figures are shown; charts may still draw
      await Promise.all(charts);
    } catch (error) {
      if (error.status === 401 && document.body.dataset.audience !== "player"
          && document.body.dataset.audience !== "company") {
        signOut();
        return;
      }
      status(error.message, true);
    }
    document.body.dataset.ready = "1";
    document.body.dataset.charts = "1";
  }

  function nav() {
    const here = document.body.dataset.page;
    const links = [...DESIGNER_PAGES];
    if (scopes().includes("admin")) links.push(["admin", "Admin"]);
    document.getElementById("nav").replaceChildren(...links.map(([slug, text]) =>
      el("a", { href: `/dashboard/${slug}`, text, class: slug === here ? "current" : "" })));
    document.getElementById("who").replaceChildren(
      `signed in (${scopes().join(", ")})`,
      el("button", { type: "button", id: "signout", text: "Sign out", onclick: signOut }));
  }

  // A designer page: needs a signed-in key, then builds controls and loads.
  async function designerPage(setup, load) {
    if (!key()) {
      location.href = `/dashboard?next=${encodeURIComponent(location.pathname + location.search)}`;
      return;
    }
    nav();
    await setup();
    loader = load;
    await run();
  }

  // A page opened with a token in its link (player ?token=, company ?t=).
  async function tokenPage(setup, load) {
    await setup();
    loader = load;
    await run();
  }

  // Server-sent events over fetch (so the Authorization header goes with them).
  async function stream(path, params, onEvent, signal) {
    const response = await fetch(url(path, params), {
      headers: { Authorization: `Bearer ${key()}`, Accept: "text/event-stream" }, signal,
    });
    if (!response.ok) {
      const payload = await response.json().catch(() => null);
      throw new ApiError(response.status, payload?.error?.code, payload?.error?.message || "");
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim()).join("\n");
        const kind = (block.split("\n").find((l) => l.startsWith("event:")) || "event: message")
          .slice(6).trim();
        if (data) onEvent(kind, JSON.parse(data));
      }
    }
  }

  return {
    api, unlessWithheld, probe, signIn, signOut, key, scopes, param, setParams, fmt, el,
    content, status,
    csv, download, table, chart, cards, note, select, input, rangeControl, range, companyControl,
    designerPage, tokenPage, stream, run, isoDay, DAY,
  };
})();
