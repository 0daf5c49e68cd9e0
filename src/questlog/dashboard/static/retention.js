// Retention cohorts: D1/D7/D30 by first day, week or month, with the D1 trend.
"use strict";

Q.designerPage(async () => {
  Q.select("cohort", "Cohorts by", [["day", "day"], ["week", "week"], ["month", "month"]], "day");
  Q.rangeControl("28");
  await Q.companyControl();
}, async () => {
  const params = { cohort: Q.param("cohort", "day"), ...Q.range(),
                   company_id: Q.param("company_id", "") };
  const answer = await Q.unlessWithheld(Q.api("/api/v1/analytics/retention", params));
  if (!answer) return;
  const rows = answer.data;
  const root = Q.content();
  Q.chart(root, { id: "d1", title: "D1 retention by cohort", rows, x: "cohort",
    series: [{ key: "d1", label: "D1" }, { key: "d7", label: "D7" }],
    layout: { yaxis: { tickformat: ".0%", range: [0, 1] } } });
  const cell = (value) => {
    const node = Q.el("span", { text: Q.fmt(value, "pct") });
    if (value !== null) node.style.background = `rgba(61, 89, 161, ${0.1 + 0.8 * value})`;
    if (value !== null && value > 0.5) node.style.color = "#fff";
    node.style.padding = "0 .4rem";
    return node;
  };
  Q.table(root, { id: "retention", title: "Cohort grid (share active on day N after the first)",
    rows, columns: [
      { key: "cohort" }, { key: "players" },
      { key: "d1", label: "D1", kind: "pct", render: cell },
      { key: "d7", label: "D7", kind: "pct", render: cell },
      { key: "d30", label: "D30", kind: "pct", render: cell },
      { key: "d1_eligible", label: "D1 observed" }, { key: "d7_eligible", label: "D7 observed" },
      { key: "d30_eligible", label: "D30 observed" }] });
  Q.note(`Raw events reach back to ${answer.meta.oldest_day} (their retention); a cell is `
         + "empty until its day N has come.");
});
