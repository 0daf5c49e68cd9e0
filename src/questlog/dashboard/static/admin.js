// For admins: the rollup job runs and the quarantine of rejected events.
"use strict";

Q.designerPage(async () => {
  Q.input("code", "Rejection code", "", { size: 20, placeholder: "e.g. unknown_event_type" });
}, async () => {
  const [runs, rejected] = await Promise.all([
    Q.api("/api/v1/jobs/runs", { page_size: 50 }),
    Q.api("/api/v1/events/rejected", { page_size: 100, code: Q.param("code", "") }),
  ]);
  const root = Q.content();
  Q.table(root, { id: "runs", title: `Job runs (${runs.meta.total})`, rows: runs.data, columns: [
    { key: "job" }, { key: "source" }, { key: "status" }, { key: "started_at" },
    { key: "duration_s", label: "seconds", kind: "float" }, { key: "events_read" },
    { key: "documents_written" }, { key: "errors" }] });
  Q.table(root, { id: "rejected", title: `Rejected events (${rejected.meta.total})`,
    rows: rejected.data, columns: [
      { key: "received_at" }, { key: "code" }, { key: "event_type" }, { key: "message" },
      { key: "raw", render: (v) => Q.el("code", { text: String(v).slice(0, 120) }) }] });
});
