// portrait dashboard: plain JavaScript over the read API (docs/api.md), no build step.
// Every value from the API reaches the page through textContent, never as HTML.
"use strict";

const state = { token: sessionStorage.getItem("portrait.token") || "", history: [], segments: null };
const $ = (id) => document.getElementById(id);
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

async function api(path) {
  const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
  const r = await fetch(path, { headers });
  if (r.status === 401) {
    $("token-form").hidden = false;
    throw new Error("the API needs a token");
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error(body.message || r.statusText);
    e.status = r.status;
    throw e;
  }
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function fmt(v, digits = 2) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(digits);
  return String(v);
}

function definitions(target, rows) {
  const dl = $(target);
  dl.replaceChildren();
  for (const [label, value, key] of rows) {
    dl.append(el("dt", {}, label), el("dd", key ? { "data-field": key } : {}, fmt(value)));
  }
}

function bars(target, entries, max, key) {
  const box = $(target);
  box.replaceChildren();
  if (entries.length === 0) box.append(el("p", { class: "note" }, "none yet"));
  for (const [name, value] of entries) {
    const share = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
    box.append(
      el("div", { class: "bar", ["data-" + key]: name },
        el("span", {}, name),
        el("span", { class: "track" }, el("span", { class: "fill", style: `width:${(share * 100).toFixed(1)}%;display:block` })),
        el("span", { class: "value" }, fmt(value, 3))));
  }
}

// ---- live rates and the alert feed ----

async function refreshLive() {
  try {
    const h = await fetch("/health").then((r) => r.json());
    $("health").textContent = h.status === "ok" ? "redis ok · kafka " + h.kafka : "unavailable: " + h.redis;
    $("health").className = "pill " + (h.status === "ok" ? "ok" : "bad");
  } catch (e) {
    $("health").textContent = "API unreachable";
    $("health").className = "pill bad";
  }
  try {
    const s = await api("/stats");
    $("events-rate").textContent = fmt(s.events_per_s, 0);
    $("alerts-rate").textContent = fmt(s.alerts_per_s, 1);
    $("dlq-rate").textContent = fmt(s.dlq_per_s, 1);
    $("totals").textContent = `totals: ${fmt(s.events_total)} events · ${fmt(s.alerts_total)} alerts · ${fmt(s.dlq_total)} dead letters`;
    state.history.push(s.events_per_s || 0);
    if (state.history.length > 150) state.history.shift();
    drawRates();
    renderFeed($("alert-feed"), s.recent_alerts || []);
  } catch (e) {
    $("totals").textContent = e.status === 404 ? "live rates need the API to reach Kafka (--kafka-bootstrap)" : e.message;
  }
}

function drawRates() {
  const c = $("rate-chart"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const h = state.history, max = Math.max(1, ...h);
  g.strokeStyle = "#2563eb"; g.lineWidth = 2; g.beginPath();
  h.forEach((v, i) => {
    const x = (i / 149) * (c.width - 4) + 2, y = c.height - 4 - (v / max) * (c.height - 16);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#6b7280"; g.font = "11px system-ui";
  g.fillText("max " + Math.round(max) + "/s", 4, 11);
}

function renderFeed(list, alerts) {
  list.replaceChildren();
  if (alerts.length === 0) list.append(el("li", { class: "note" }, "no alerts"));
  for (const a of alerts) {
    const user = el("a", { class: "user" }, a.user_id);
    user.addEventListener("click", () => lookup(a.user_id));
    const when = a.ts ? new Date(a.ts).toISOString().replace(".000Z", "Z") : "";
    list.append(el("li", { "data-alert": a.alert_id || "" },
      el("span", { class: "rule sev-" + (a.severity || "") }, a.rule || "alert"), " ",
      el("span", {}, (a.severity || "") + " · "), user, el("span", {}, " · " + when), el("br"),
      el("code", {}, JSON.stringify(a.evidence !== undefined ? a.evidence : a.details !== undefined ? a.details : a))));
  }
}

// ---- segments: sizes and the 2-D map ----

async function refreshSegments() {
  try {
    const s = await api("/segments");
    state.segments = s;
    $("segments-version").textContent = "model " + s.model_version;
    const entries = s.segments.map((g) => [`${g.id} · ${g.label}`, g.size]);
    bars("segment-sizes", entries, Math.max(1, ...entries.map((e) => e[1])), "segment");
    drawMap(await api("/segments/map?sample=300"));
  } catch (e) {
    $("segments-version").textContent = e.status === 404 ? "no model yet" : e.message;
  }
}

function drawMap(map) {
  const c = $("segment-map"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const all = map.points.concat(map.centroids);
  if (all.length === 0) return;
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => 16 + ((x - x0) / (x1 - x0 || 1)) * (c.width - 32);
  const sy = (y) => c.height - 16 - ((y - y0) / (y1 - y0 || 1)) * (c.height - 32);
  const color = (id) => (id === null || id === undefined ? "#9ca3af" : COLORS[id % COLORS.length]);
  for (const p of map.points) {
    g.fillStyle = color(p.segment); g.globalAlpha = 0.55;
    g.beginPath(); g.arc(sx(p.x), sy(p.y), 3, 0, 2 * Math.PI); g.fill();
  }
  g.globalAlpha = 1; g.font = "12px system-ui";
  for (const ct of map.centroids) {
    g.strokeStyle = color(ct.id); g.lineWidth = 3;
    g.beginPath(); g.arc(sx(ct.x), sy(ct.y), 9, 0, 2 * Math.PI); g.stroke();
    g.fillStyle = "#1d2330"; g.fillText(`${ct.id} ${ct.label}`, sx(ct.x) + 12, sy(ct.y) + 4);
  }
}

// ---- profile lookup ----

async function lookup(id) {
  id = (id || "").trim();
  $("lookup-id").value = id;
  $("lookup-error").textContent = "";
  if (!id) return;
  if (location.hash !== "#user=" + encodeURIComponent(id)) history.replaceState(null, "", "#user=" + encodeURIComponent(id));
  let p;
  try {
    p = await api("/profiles/" + encodeURIComponent(id));
  } catch (e) {
    $("profile").hidden = true;
    $("lookup-error").textContent = e.message;
    return;
  }
  try {
    renderProfile(p);
  } catch (e) {
    $("lookup-error").textContent = "cannot show this profile: " + e.message;
    return;
  }
  try {
    const a = await api("/alerts?user=" + encodeURIComponent(id) + "&limit=10");
    renderFeed($("user-alerts"), a.items);
  } catch (e) {
    $("user-alerts").replaceChildren(el("li", { class: "error" }, e.message));
  }
}

function renderProfile(p) {
  const counts = p.counts || {}, rfm = p.rfm || {}, act = p.activity || {};
  definitions("overview", [
    ["user", p.user_id, "user_id"], ["version", p.version, "version"], ["events", counts.total, "counts.total"],
    ["purchases", counts.purchase || 0, "counts.purchase"], ["first seen", p.first_seen], ["last seen", p.last_seen],
    ["sessions", act.sessions], ["device", act.preferred_device], ["country", (p.demographics || {}).country || act.last_country],
  ]);
  definitions("rfm", [
    ["recency (days, now)", rfm.recency_days, "rfm.recency_days"], ["last purchase", rfm.last_purchase_at],
    ["orders", rfm.orders, "rfm.orders"], ["monetary", rfm.monetary === undefined ? null : `${fmt(rfm.monetary)} ${rfm.currency}`, "rfm.monetary"],
    ["avg order value", rfm.avg_order_value], ["refunds", rfm.refund_amount],
  ]);
  const interests = Object.entries(p.interests || {}).sort((a, b) => b[1] - a[1]);
  bars("interests", interests, Math.max(...interests.map((e) => e[1]), 0), "interest");

  const conv = ((p.propensity || {}).conversion) || {};
  const ci = conv.ci90 || [0, 0];
  $("propensity").replaceChildren(
    el("div", { "data-field": "propensity.mean" }, `mean ${fmt(conv.mean, 3)} · 90 % interval ${fmt(ci[0], 3)}–${fmt(ci[1], 3)}`),
    el("div", { class: "ci" },
      el("span", { class: "range", style: `left:${ci[0] * 100}%;width:${(ci[1] - ci[0]) * 100}%` }),
      el("span", { class: "mean", style: `left:${(conv.mean || 0) * 100}%` })),
    el("div", { class: "note" }, `${fmt(conv.converted)} of ${fmt(conv.sessions)} sessions converted (Beta posterior)`));

  const pred = p.predictions;
  if (pred) {
    const next = Object.entries(pred.next_action || {}).sort((a, b) => b[1] - a[1]);
    bars("predictions", next, 1, "action");
    $("predictions").prepend(el("div", { "data-field": "predictions.model_version" },
      `churn risk ${fmt(pred.churn_risk, 3)} · purchase soon ${fmt(pred.purchase_soon, 3)} · model ${pred.model_version}`));
  } else {
    $("predictions").replaceChildren(el("p", { class: "note" }, "no predictions (model off or user too new)"));
  }
  const seg = p.segment || {}, risk = p.risk || {};
  definitions("segment-risk", [
    ["segment", seg.id === undefined || seg.id === null ? null : `${seg.id} · ${seg.label}`, "segment"],
    ["distance", seg.distance], ["segment model", seg.model_version],
    ["risk score", risk.score, "risk.score"], ["alerts (30 d)", risk.alerts_30d], ["bot score", risk.bot_score],
  ]);
  renderRecommendations(p.recommendations);
  renderRhythm(act.hour_of_week || [], act.tz);
  $("profile").hidden = false;
}

const VERBS = { view: "viewed", click: "clicked", add_to_cart: "added to cart", purchase: "bought",
  like: "liked", share: "shared" };

function renderRecommendations(recs) {
  const list = $("recommendations");
  list.replaceChildren();
  const items = (recs && recs.items) || [];
  if (items.length === 0) {
    list.append(el("li", { class: "note" }, "none yet"));
    return;
  }
  for (const r of items) {
    const because = r.because || {};
    list.append(el("li", { "data-recommendation": r.item_id },
      el("span", {}, r.item_id + " "), el("span", { class: "why" },
        `${fmt(r.score, 3)} · because you ${VERBS[because.action] || "touched"} ${because.item_id}`)));
  }
}

function renderRhythm(hours, tz) {
  $("rhythm-tz").textContent = tz ? "local time, " + tz : "";
  const box = $("rhythm");
  box.replaceChildren(el("span"));
  for (let h = 0; h < 24; h++) box.append(el("span", {}, h % 3 === 0 ? String(h) : ""));
  const max = Math.max(1, ...hours);
  for (let d = 0; d < 7; d++) {
    box.append(el("span", {}, DAYS[d]));
    for (let h = 0; h < 24; h++) {
      const v = hours[d * 24 + h] || 0;
      box.append(el("span", {
        class: "cell", title: `${DAYS[d]} ${h}:00 · ${v} events`, "data-hour": String(d * 24 + h),
        style: v ? `background:rgba(37,99,235,${(0.15 + 0.85 * v / max).toFixed(3)})` : "",
      }));
    }
  }
}

// ---- wiring ----

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("portrait.token", state.token);
  $("token-form").hidden = true;
  start();
});
$("lookup-form").addEventListener("submit", (e) => { e.preventDefault(); lookup($("lookup-id").value); });

window.addEventListener("hashchange", () => {
  const m = location.hash.match(/^#user=(.+)$/);
  if (m) lookup(decodeURIComponent(m[1]));
});

let timers = [];
function start() {
  timers.forEach(clearInterval);
  refreshLive(); refreshSegments();
  timers = [setInterval(refreshLive, 2000), setInterval(refreshSegments, 10000)];
  const m = location.hash.match(/^#user=(.+)$/);
  if (m) lookup(decodeURIComponent(m[1]));
}
start();
