// A player's own page, opened with their token (?token=...): achievements with progress,
// tiers, unlock times and a redeem button; sessions, trends and the model; with a token
// that may ingest, a demo session generator.
"use strict";

const token = () => Q.param("token", "");

// What a token's payload says: its player (`sub`) and scopes (`scp`); the server checks
// the signature.
function claimsOf(credential) {
  try {
    const payload = credential.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch (error) { return {}; }
}
const playerOf = (credential) => claimsOf(credential).sub ?? null;

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
  await sessionsAndModel(root, credential);
}).catch((error) => Q.status(error.message, true));

// Seed 004's player view: session history, FTA level and repetition burden trends, the
// earth score distribution, the model and its next-session prediction.
async function sessionsAndModel(root, credential) {
  const player = playerOf(credential);
  const [sessions, model] = await Promise.all([
    Q.api(`/api/v1/players/${encodeURIComponent(player)}/sessions`, { page_size: 200 },
          { credential }),
    Q.api(`/api/v1/players/${encodeURIComponent(player)}/model`, {}, { credential }),
  ]);
  const m = model.data;
  Q.cards(root, [
    { id: "sessions", label: "Sessions", value: sessions.meta.total },
    { id: "model-status", label: "Model", value: m.status },
    { id: "prediction", label: "Next session's FTA level (predicted)", value: m.prediction,
      kind: "float" },
    { id: "mae", label: "Model error (MAE)", value: m.mae, kind: "float" },
  ]);
  if ((claimsOf(credential).scp || []).includes("ingest")) {
    root.append(demoSessionButton(credential, player, sessions.data));
  }
  const earth = sessions.data.filter((s) => s.features && s.features.fta_level !== undefined)
    .sort((a, b) => a.started_at.localeCompare(b.started_at));
  const charts = Q.el("div", { class: "grid2" });
  root.append(charts);
  Q.chart(charts, { id: "fta", title: "FTA level per earth session", rows: earth,
    x: "started_at", series: [{ key: "features.fta_level", label: "FTA level" }],
    layout: { yaxis: { range: [0, 1] } } });
  Q.chart(charts, { id: "burden", title: "Repetition burden per earth session", rows: earth,
    x: "started_at", series: [{ key: "features.repetition_burden", label: "repetition burden" }] });
  const scores = [0, 5, 10].map((score) => ({
    score: String(score),
    sessions: earth.filter((s) => s.features.earth_score_bucket === score).length }));
  Q.chart(charts, { id: "scores", title: "Earth score distribution", rows: scores, x: "score",
    series: [{ key: "sessions", label: "sessions", type: "bar" }] });
  Q.table(charts, { id: "model", title: "Model (predicts the next FTA level)", rows: [m], columns: [
    { key: "status" }, { key: "n_samples", label: "samples" },
    { key: "coefficients", label: "coefficients (FTA, burden)" },
    { key: "intercept", kind: "float" }, { key: "prediction", kind: "float" },
    { key: "trained_at", label: "trained at" }] });
  Q.table(root, { id: "sessions", title: "Session history (newest first)", rows: sessions.data,
    columns: [
      { key: "started_at", label: "started" }, { key: "session_id", label: "session" },
      { key: "catalogs" }, { key: "status" }, { key: "event_count", label: "events" },
      { key: "features.duration_s", label: "seconds", kind: "float" },
      { key: "features.fta_level", label: "FTA level", kind: "float" },
      { key: "features.repetition_burden", label: "burden", kind: "float" },
      { key: "features.earth_score_bucket", label: "earth score" }] });
}

// Seed 004's demo session generator: one earth round played now (five sequences, each
// tried until it succeeds), sent with the player's own token, then finalized, so the
// history, the trends and the model grow by one session. Shown to tokens with ingest.
function demoSessionButton(credential, player, sessions) {
  return Q.el("button", { type: "button", id: "demo-session", text: "Play a demo earth session",
    onclick: async () => {
      const company = sessions.find((s) => s.company_id)?.company_id;
      const sessionId = `demo-${Date.now().toString(36)}`;
      const events = demoEarthRound(player, sessionId, company);
      try {
        await Q.api("/api/v1/events/batch", {}, { method: "POST", credential,
                                                  body: { events } });
        await Q.api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/finalize`, {},
                    { method: "POST", credential });
        Q.run();
      } catch (error) { Q.status(error.message, true); }
    } });
}

function demoEarthRound(player, sessionId, company) {
  const attempts = [];
  for (let sequence = 1; sequence <= 5; sequence += 1) {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const success = attempt === 3 || Math.random() < 0.6;
      attempts.push({ sequence, attempt_number: attempt, success,
                      duration_ms: Math.round(2000 + Math.random() * 18000) });
      if (success) break;
    }
  }
  const end = Date.now() - 1000;  // every attempt in the past, 20 s apart
  return attempts.map((a, i) => ({
    type: "AttemptSubmitted", user_id: player, session_id: sessionId,
    ...(company ? { company_id: company } : { company_name: "Demo company" }),
    occurred_at: new Date(end - (attempts.length - 1 - i) * 20000).toISOString(), ...a,
  }));
}

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
