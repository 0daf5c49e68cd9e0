// The event explorer over GET /api/v1/events and its filters, page by page.
"use strict";

const FILTERS = ["type", "user_id", "company_id", "session_id"];

Q.designerPage(async () => {
  for (const name of FILTERS) Q.input(name, name, "", { size: 14 });
  Q.input("from", "from (date or time)", "", { size: 12, placeholder: "2026-11-20" });
  Q.input("to", "to", "", { size: 12 });
  Q.select("page_size", "Per page", ["25", "50", "100"], "25");
}, async () => {
  const params = { page: Q.param("page", "1"), page_size: Q.param("page_size", "25") };
  for (const name of [...FILTERS, "from", "to"]) params[name] = Q.param(name, "");
  const answer = await Q.api("/api/v1/events", params);
  const { page, page_size: size, total } = answer.meta;
  const root = Q.content();
  const pages = Math.max(1, Math.ceil(total / size));
  const pager = Q.el("div", { class: "controls", id: "pager" },
    Q.el("button", { type: "button", id: "prev", text: "◀ newer",
                     onclick: () => Q.setParams({ page: Math.max(1, page - 1) }) }),
    Q.el("span", { id: "page-of", text: `page ${page} of ${pages} · ${total} events` }),
    Q.el("button", { type: "button", id: "next", text: "older ▶",
                     onclick: () => Q.setParams({ page: Math.min(pages, page + 1) }) }));
  root.append(pager);
  Q.table(root, { id: "events", title: "Events, newest first", rows: answer.data, columns: [
    { key: "event_time" }, { key: "type" }, { key: "user_id" }, { key: "company_id" },
    { key: "session_id" }, { key: "event_id" },
    { key: "fields", label: "fields", render: (_, row) => Q.el("code", { text: details(row) }) },
  ] });
});

const ENVELOPE = new Set(["event_time", "type", "user_id", "company_id", "session_id", "event_id",
  "schema_version", "received_at", "occurred_at", "client_occurred_at", "sent_at"]);

function details(row) {
  const rest = Object.fromEntries(Object.entries(row).filter(([k]) => !ENVELOPE.has(k)));
  return JSON.stringify(rest).slice(0, 160);
}
