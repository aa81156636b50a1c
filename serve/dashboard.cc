#include "serve/dashboard.h"

namespace sluice::serve {

const std::string& DashboardHtml() {
  static const std::string page = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>sluice</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .3em}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:.8em 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;min-width:9em}
.card .v{font-size:1.4em;font-weight:600}
.card .k{font-size:.8em;color:#666}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;font-size:.9em}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}
svg{background:#fff;border:1px solid #ddd;border-radius:6px}
#error{color:#b00}
</style></head><body>
<h1>sluice: <span id="pipeline">…</span> <small id="state"></small></h1>
<div id="error"></div>
<div class="cards">
 <div class="card"><div class="v" id="throughput">0</div><div class="k">events/s (last second)</div></div>
 <div class="card"><div class="v" id="events">0</div><div class="k">events in</div></div>
 <div class="card"><div class="v" id="results">0</div><div class="k">results out</div></div>
 <div class="card"><div class="v" id="lag">–</div><div class="k">watermark lag (s)</div></div>
 <div class="card"><div class="v" id="late">0</div><div class="k">late</div></div>
 <div class="card"><div class="v" id="dead">0</div><div class="k">dead letters</div></div>
 <div class="card"><div class="v" id="checkpoints">0</div><div class="k">checkpoints (last id)</div></div>
 <div class="card"><div class="v" id="latency">–</div><div class="k">result latency p50 / p99 / max (ms)</div></div>
</div>
<h2>Graph</h2>
<svg id="graph" width="900" height="90"></svg>
<table id="stages"><thead><tr><th>stage</th><th>rows in</th><th>rows out</th><th>rows/s out</th>
<th>filtered</th><th>late</th><th>dead letters</th><th>busy s</th><th>watermark s</th></tr></thead>
<tbody></tbody></table>
<h2>Charts</h2>
<div class="charts">
 <div><div>events/s</div><svg id="chart-throughput" width="420" height="160"></svg></div>
 <div><div>watermark lag behind the newest event (s)</div><svg id="chart-lag" width="420" height="160"></svg></div>
</div>
<h2>Checkpoints</h2><table id="recent"><thead><tr><th>id</th><th>details</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const headers = token ? {"Authorization": "Bearer " + token} : {};
const history = {throughput: [], lag: []};
let prev = null;
const fmt = (x) => Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–";
const $ = (id) => document.getElementById(id);
function text(id, v) { $(id).textContent = v; }
function chart(id, values) {
  const svg = $(id), w = svg.width.baseVal.value, h = svg.height.baseVal.value;
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * (w - 10) + 5},` +
                                     `${h - 15 - (v / max) * (h - 30)}`).join(" ");
  svg.innerHTML = `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${pts}"/>` +
                  `<text x="5" y="12" font-size="11">max ${max.toPrecision(3)}</text>`;
}
function graph(s) {
  const svg = $("graph"), n = s.stages.length, bw = 150, gap = 40;
  svg.setAttribute("width", Math.max(300, n * (bw + gap)));
  const x = {};
  let out = '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="8" refY="4" ' +
            'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>';
  s.stages.forEach((st, i) => {
    x[st.name] = i * (bw + gap) + 5;
    const rate = prev && prev.rates[st.name] !== undefined ? prev.rates[st.name] : 0;
    out += `<rect x="${x[st.name]}" y="15" width="${bw}" height="55" rx="6" fill="#eef4fb" ` +
           `stroke="#1f77b4"/><text x="${x[st.name] + 6}" y="35" font-size="12">` +
           `${st.name.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>` +
           `<text x="${x[st.name] + 6}" y="55" font-size="11">${fmt(rate)} rows/s</text>`;
  });
  for (const e of s.edges || []) {
    if (x[e.from] === undefined || x[e.to] === undefined) continue;
    out += `<line x1="${x[e.from] + bw}" y1="42" x2="${x[e.to]}" y2="42" stroke="#888" ` +
           `marker-end="url(#a)"/>`;
  }
  svg.innerHTML = out;
}
function render(s, now) {
  text("pipeline", s.pipeline);
  text("state", s.running ? "running" : "finished");
  const rates = {};
  let eps = s.events_per_s || 0;
  if (prev) {
    const dt = Math.max(1e-3, (now - prev.at) / 1000);
    eps = (s.events_in - prev.events_in) / dt;
    for (const st of s.stages) {
      const p = prev.rows[st.name];
      rates[st.name] = p === undefined ? 0 : (st.rows_out - p) / dt;
    }
  }
  text("throughput", fmt(eps));
  text("events", fmt(s.events_in));
  text("results", fmt(s.records_out));
  text("late", fmt(s.late));
  text("dead", fmt(s.dead_letters));
  const cp = s.checkpoints || {};
  text("checkpoints", `${fmt(cp.taken || 0)} (${cp.last_id || 0})`);
  let minWm = Infinity;
  for (const st of s.stages) if (st.watermark_s !== null && st.watermark_s < minWm) minWm = st.watermark_s;
  const lag = Number.isFinite(minWm) && s.newest_event_time_s !== undefined
      ? Math.max(0, s.newest_event_time_s - minWm) : NaN;
  text("lag", Number.isFinite(lag) ? lag.toFixed(3) : "–");
  const l = s.latency_ms;
  text("latency", l && l.count ? `${l.p50} / ${l.p99} / ${l.max}` : "–");
  const rows = {};
  const body = $("stages").tBodies[0];
  body.innerHTML = "";
  for (const st of s.stages) {
    rows[st.name] = st.rows_out;
    const tr = body.insertRow();
    for (const v of [st.name, fmt(st.rows_in), fmt(st.rows_out), fmt(rates[st.name] || 0),
                     fmt(st.filtered), fmt(st.late), fmt(st.dead_letters),
                     (st.busy_s || 0).toFixed(2),
                     st.watermark_s === null ? "–" : st.watermark_s.toFixed(3)]) {
      tr.insertCell().textContent = v;
    }
  }
  const recent = $("recent").tBodies[0];
  recent.innerHTML = "";
  for (const c of (cp.recent || []).slice(-10).reverse()) {
    const tr = recent.insertRow();
    tr.insertCell().textContent = c.id;
    tr.insertCell().textContent = JSON.stringify(c);
  }
  history.throughput.push(eps);
  history.lag.push(Number.isFinite(lag) ? lag : 0);
  for (const k in history) if (history[k].length > 120) history[k].shift();
  chart("chart-throughput", history.throughput);
  chart("chart-lag", history.lag);
  prev = {at: now, events_in: s.events_in, rows, rates};
  graph(s);
}
async function poll() {
  try {
    const r = await fetch("status", {headers});
    if (!r.ok) throw new Error(`/status: HTTP ${r.status}`);
    render(await r.json(), Date.now());
    text("error", "");
  } catch (e) {
    text("error", String(e));
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body></html>
)html";
  return page;
}

}  // namespace sluice::serve
