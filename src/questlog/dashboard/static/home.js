// Overview: DAU/WAU/MAU, new and returning players, sessions and their length, live events.
"use strict";

const sum = (rows, key) => rows.reduce((total, row) => total + (row[key] || 0), 0);

Q.designerPage(async () => {
  Q.rangeControl();
  await Q.companyControl();
}, async () => {
  const scope = { ...Q.range(), company_id: Q.param("company_id", "") };
  const answers = await Q.unlessWithheld(Promise.all([
    Q.api("/api/v1/analytics/active", scope), Q.api("/api/v1/analytics/sessions", scope)]));
  if (!answers) return;
  const [active, sessions] = answers;
  const days = active.data;
  const today = days[days.length - 1];
  const totals = sessions.data.totals;
  const root = Q.content();
  Q.cards(root, [
    { id: "dau", label: "DAU (today)", value: today.dau },
    { id: "wau", label: "WAU (7 days)", value: today.wau },
    { id: "mau", label: "MAU (30 days)", value: today.mau },
    { id: "new", label: "New players (range)", value: sum(days, "new") },
    { id: "returning", label: "Returning today", value: today.returning },
    { id: "sessions", label: "Sessions (range)", value: totals.sessions },
    { id: "median-length", label: "Median session", value: totals.median_length_s, kind: "min" },
    { id: "per-player", label: "Sessions per player", value: totals.sessions_per_player,
      kind: "float" },
  ]);
  const charts = Q.el("div", { class: "grid2" });
  root.append(charts);
  Q.chart(charts, { id: "active", title: "Active players", rows: days, x: "day",
    series: [{ key: "dau", label: "DAU" }, { key: "wau", label: "WAU" },
             { key: "mau", label: "MAU" }] });
  Q.chart(charts, { id: "new-returning", title: "New and returning players", rows: days, x: "day",
    series: [{ key: "new", label: "new", type: "bar" },
             { key: "returning", label: "returning", type: "bar" }],
    layout: { barmode: "stack" } });
  Q.chart(charts, { id: "sessions", title: "Sessions per day", rows: sessions.data.days, x: "day",
    series: [{ key: "sessions", label: "sessions", type: "bar" }] });
  Q.chart(charts, { id: "length", title: "Median session length (s)", rows: sessions.data.days,
    x: "day", series: [{ key: "median_length_s", label: "median length (s)" }] });
  Q.table(root, { id: "active", title: "Active players per day", rows: days, columns: [
    { key: "day" }, { key: "dau", label: "DAU" }, { key: "wau", label: "WAU" },
    { key: "mau", label: "MAU" }, { key: "new" }, { key: "returning" }] });
  Q.table(root, { id: "sessions", title: "Sessions per day", rows: sessions.data.days, columns: [
    { key: "day" }, { key: "sessions" }, { key: "players" },
    { key: "sessions_per_player", label: "per player", kind: "float" },
    { key: "mean_length_s", label: "mean length (s)", kind: "float" },
    { key: "median_length_s", label: "median length (s)", kind: "float" }] });
  live(root, scope.company_id);
});

// The live view: events as they are stored (GET /api/v1/events/stream).
let liveStop = null;
function live(root, companyId) {
  if (liveStop) liveStop.abort();
  liveStop = new AbortController();
  const list = Q.el("div", { class: "live", id: "live-events" });
  const box = Q.el("section", { class: "panel", id: "panel-live" },
    Q.el("h2", { text: "Live events" }), list);
  root.append(box);
  const note = Q.el("div", { id: "live-state", text: "connecting…" });
  box.insertBefore(note, list);
  Q.stream("/api/v1/events/stream", { company_id: companyId }, (kind, data) => {
    if (kind === "ready") { note.textContent = "connected; new events appear here"; return; }
    if (kind === "end") { note.textContent = "the stream ended"; return; }
    if (kind === "dropped") { note.textContent = `${data.dropped} events skipped (slow viewer)`; return; }
    const line = Q.el("div", { class: "live-event",
      text: `${data.event_time} ${data.type} ${data.user_id || ""} ${data.company_id || ""}` });
    list.prepend(line);
    while (list.childElementCount > 200) list.lastChild.remove();
  }, liveStop.signal).catch((error) => {
    if (error.name !== "AbortError") note.textContent = `live view unavailable: ${error.message}`;
  });
}
