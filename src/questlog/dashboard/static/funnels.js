// Funnels: ordered steps within a window; step conversion and median time to convert.
"use strict";

Q.designerPage(async () => {
  const { data: examples } = await Q.api("/api/v1/analytics/funnels");
  const shipped = examples[0];
  Q.input("steps", "Steps (TYPE or TYPE:FIELD=VALUE, comma-separated)", shipped.steps,
          { size: 60 });
  Q.input("window_hours", "Window (hours)", String(shipped.window_hours), { size: 6 });
  Q.rangeControl("28");
  await Q.companyControl();
  const reset = Q.el("button", { type: "button", id: "example", text: `Use ${shipped.name}`,
    onclick: () => Q.setParams({ steps: shipped.steps, window_hours: shipped.window_hours }) });
  document.getElementById("controls").append(reset);
}, async () => {
  const examples = (await Q.api("/api/v1/analytics/funnels")).data;
  const params = { steps: Q.param("steps", examples[0].steps),
                   window_hours: Q.param("window_hours", examples[0].window_hours),
                   ...Q.range(), company_id: Q.param("company_id", "") };
  const answer = await Q.unlessWithheld(Q.api("/api/v1/analytics/funnel", params));
  if (!answer) return;
  const rows = answer.data;
  const root = Q.content();
  const shipped = examples.find((f) => f.steps === params.steps);
  Q.note(shipped ? `${shipped.name}: ${shipped.description}` : "A custom funnel.");
  Q.chart(root, { id: "funnel", title: "Players reaching each step", rows, x: "label",
    series: [{ key: "players", label: "players", type: "bar" }] });
  Q.table(root, { id: "funnel", title: "Steps", rows, columns: [
    { key: "step" }, { key: "label", label: "step" }, { key: "players" },
    { key: "conversion_from_previous", label: "from previous", kind: "pct" },
    { key: "conversion_from_first", label: "from first", kind: "pct" },
    { key: "median_seconds_from_previous", label: "median time from previous", kind: "min" },
    { key: "median_seconds_from_start", label: "median time from start", kind: "min" }] });
});
