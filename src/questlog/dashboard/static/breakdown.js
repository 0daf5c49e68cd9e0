// A count of one event type broken down by a field (platform, build, region, tier...).
"use strict";

Q.designerPage(async () => {
  const { data: types } = await Q.api("/api/v1/analytics/types");
  Q.select("type", "Event type", types, "session_start");
  Q.select("field", "Field", [], "");
  Q.rangeControl("14");
  await Q.companyControl();
}, async () => {
  const type = Q.param("type", "session_start");
  const fieldNode = document.getElementById("ctl-field");
  if (fieldNode.dataset.type !== type) {  // the type changed: its fields
    const { data: fields } = await Q.api("/api/v1/analytics/fields", { type });
    fieldNode.replaceChildren(...fields.map((f) => Q.el("option", { value: f, text: f })));
    fieldNode.dataset.type = type;
    const wanted = Q.param("field", "");
    fieldNode.value = fields.includes(wanted) ? wanted
      : fields.includes("platform") ? "platform" : fields[0];
  }
  const params = { type, field: fieldNode.value, ...Q.range(),
                   company_id: Q.param("company_id", "") };
  const answer = await Q.unlessWithheld(Q.api("/api/v1/analytics/breakdown", params));
  if (!answer) return;
  const rows = answer.data;
  const root = Q.content();
  Q.chart(root, { id: "breakdown", title: `${params.type} by ${params.field}`,
    rows: rows.map((r) => ({ ...r, value: r.value ?? "(none)" })), x: "value",
    series: [{ key: "events", label: "events", type: "bar" },
             { key: "players", label: "players", type: "bar" }] });
  Q.table(root, { id: "breakdown", title: "Values", rows, columns: [
    { key: "value" }, { key: "events" }, { key: "players" }] });
});
