// A company's page, opened with its dashboard token (?t=..., seed 004): player count and
// status, then its summary and time series by day or week; below the privacy threshold
// only the "not enough data yet" state.
"use strict";

const companyToken = () => Q.param("t", "");

Q.tokenPage(async () => {
  document.getElementById("nav").replaceChildren();
  Q.select("bucket", "Bucket", [["day", "day"], ["week", "week"]], "day");
  Q.rangeControl("28");
}, async () => {
  const credential = companyToken();
  const root = Q.content();
  if (!credential) {
    root.append(Q.el("div", { class: "empty", id: "no-token",
      text: "Open this page with the link that holds your company's token (?t=...)." }));
    return;
  }
  const { data: company } = await Q.api("/api/v1/dashboard/company", {}, { credential });
  Q.cards(root, [
    { id: "company", label: "Company", value: company.company_id },
    { id: "players", label: "Players", value: company.players },
    { id: "status", label: "Status", value: company.status },
  ]);
  if (company.status !== "ok") {
    root.append(Q.el("div", { class: "empty", id: "withheld",
      text: `Not enough data yet: figures are shown from ${company.min_company_n} players on.` }));
    return;
  }
  const params = { ...Q.range(), bucket: Q.param("bucket", "day") };
  const answers = await Q.unlessWithheld(Promise.all([
    Q.api("/api/v1/dashboard/summary", { from: params.from, to: params.to }, { credential }),
    Q.api("/api/v1/dashboard/timeseries", params, { credential })]),
  "Not enough data yet in this range.");
  if (!answers) return;
  const [summary, series] = answers;
  const s = summary.data;
  Q.cards(root, [
    { id: "range-players", label: "Players (range)", value: s.players },
    { id: "sessions", label: "Earth sessions", value: s.sessions },
    { id: "fta", label: "Mean FTA level", value: s.mean_fta_level, kind: "float" },
    { id: "burden", label: "Mean repetition burden", value: s.mean_repetition_burden,
      kind: "float" },
  ]);
  const rows = series.data.series;
  const charts = Q.el("div", { class: "grid2" });
  root.append(charts);
  Q.chart(charts, { id: "players", title: "Players and sessions", rows, x: "period_start",
    series: [{ key: "players", label: "players", type: "bar" },
             { key: "sessions", label: "earth sessions", type: "bar" }] });
  Q.chart(charts, { id: "fta", title: "FTA level and repetition burden", rows, x: "period_start",
    series: [{ key: "mean_fta_level", label: "FTA level" },
             { key: "mean_repetition_burden", label: "repetition burden" }] });
  const scores = Object.entries(s.earth_score_distribution)
    .map(([score, sessions]) => ({ score, sessions }));
  Q.chart(charts, { id: "scores", title: "Earth score distribution", rows: scores, x: "score",
    series: [{ key: "sessions", label: "sessions", type: "bar" }] });
  const counts = Object.entries(s.event_counts).map(([type, count]) => ({ type, count }));
  Q.table(charts, { id: "event-counts", title: "Events by type", rows: counts,
    columns: [{ key: "type" }, { key: "count" }] });
  Q.table(root, { id: "series", title: `Per ${params.bucket}`, rows, columns: [
    { key: "period_start", label: "period" }, { key: "players" }, { key: "sessions" },
    { key: "mean_fta_level", label: "FTA level", kind: "float" },
    { key: "mean_repetition_burden", label: "repetition burden", kind: "float" }] });
});
