// A player's own page, opened with their token (?token=...): achievements with progress,
// tiers, unlock times and a redeem button.
"use strict";

const token = () => Q.param("token", "");

// The player a token is for: its payload says so (the server checks the signature).
function playerOf(credential) {
  try {
    const payload = credential.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub;
  } catch (error) { return null; }
}

Q.tokenPage(async () => {
  document.getElementById("nav").replaceChildren();
}, async () => {
  const credential = token();
  if (!credential) {
    Q.content().append(Q.el("div", { class: "empty", id: "no-token",
      text: "Open this page with the link that holds your token (?token=...)." }));
    return;
  }
  const { data } = await Q.api("/api/v1/achievements", {}, { credential });
  const rows = data.map((a) => ({
    id: a.id, name: a.name, description: a.description, tier: a.progress?.tier ?? null,
    value: a.progress?.value ?? 0, threshold: a.progress?.threshold ?? null,
    percent: a.progress?.percent ?? 0, unlocked: a.progress?.unlocked ?? false,
    unlocked_at: a.progress?.unlocked_at ?? null, redeemed: a.progress?.redeemed ?? false,
    times: a.progress?.times ?? 0, reward: a.reward,
  }));
  const root = Q.content();
  const unlocked = rows.filter((r) => r.unlocked).length;
  Q.cards(root, [
    { id: "unlocked", label: "Unlocked", value: unlocked },
    { id: "total", label: "Achievements", value: rows.length },
  ]);
  Q.table(root, { id: "achievements", title: "Achievements", rows, columns: [
    { key: "name", render: (value, row) => Q.el("span", { title: row.description, text: value }) },
    { key: "tier" },
    { key: "percent", label: "progress", render: (value, row) => progressBar(value, row) },
    { key: "value", kind: "float" }, { key: "threshold", kind: "float" },
    { key: "unlocked_at", label: "unlocked at", render: (value) => Q.el("span", {
      text: value ? value.slice(0, 16).replace("T", " ") : "—" }) },
    { key: "redeemed", label: "reward", render: (value, row) => redeemButton(row, credential) },
    { key: "description" }] });
}).catch((error) => Q.status(error.message, true));

function progressBar(percent, row) {
  const bar = Q.el("span", { class: "bar" }, Q.el("span", {}));
  bar.firstChild.style.width = `${Math.min(100, percent)}%`;
  return Q.el("span", {}, bar, ` ${percent.toFixed(0)}%${row.times > 1 ? ` ×${row.times}` : ""}`);
}

function redeemButton(row, credential) {
  if (!row.reward) return Q.el("span", { text: "—" });
  if (row.redeemed) return Q.el("span", { class: "badge", text: "redeemed" });
  if (!row.unlocked) return Q.el("span", { text: "locked" });
  return Q.el("button", { type: "button", id: `redeem-${row.id}`, text: "Redeem",
    onclick: async () => {
      try {
        await Q.api("/api/v1/achievements/redeem", {}, { method: "POST", credential,
          body: { user_id: playerOf(credential), achievement_id: row.id } });
        Q.run();
      } catch (error) { Q.status(error.message, true); }
    } });
}
