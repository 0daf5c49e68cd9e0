// Per event type: daily or weekly count, distinct players, success rate and each numeric
// field's mean, min and max; game-wide, per company or per player (GET /api/v1/stats).
"use strict";

Q.designerPage(async () => {
  const { data: types } = await Q.api("/api/v1/analytics/types");
  // `session`: the closed sessions' statistics (duration and features), as the API has them.
  Q.select("type", "Event type", ["session", ...types], "session_start");
  Q.select("period", "Bucket", [["daily", "day"], ["weekly", "week"]], "daily");
  Q.select("scope", "Scope", [["global", "game"], ["company", "company"], ["user", "player"]],
           "global");
  Q.input("id", "Company or player id", "", { placeholder: "for company/player scope" });
  Q.rangeControl("14");
}, async () => {
  const scope = Q.param("scope", "global");
  const id = Q.param("id", "");
  const params = { type: Q.param("type", "session_start"), period: Q.param("period", "daily"),
                   scope, ...Q.range() };
  if (scope === "company") params.company_id = id;
  if (scope === "user") params.user_id = id;
  const answer = await Q.unlessWithheld(Q.api("/api/v1/stats", params));
  if (!answer) return;
  const rows = answer.data;
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r.fields || {})))].sort();
  const root = Q.content();
  Q.chart(root, { id: "counts", title: `${params.type}: events and players`, rows, x: "period_start",
    series: [{ key: "count", label: "events", type: "bar" },
             { key: "distinct_users", label: "distinct players" }] });
  const columns = [{ key: "period_start", label: "period" }, { key: "count", label: "events" },
                   { key: "distinct_users", label: "players" },
                   { key: "success_rate", label: "success rate", kind: "pct" }];
  for (const f of fields) {
    columns.push({ key: `fields.${f}.avg`, label: `${f} mean`, kind: "float" },
                 { key: `fields.${f}.min`, label: `${f} min`, kind: "float" },
                 { key: `fields.${f}.max`, label: `${f} max`, kind: "float" });
  }
  Q.table(root, { id: "stats", title: "Buckets", rows, columns });
  if (answer.meta.last_period_open) {
    Q.note("The last period is still open: its figures grow until it ends.");
  }
});
