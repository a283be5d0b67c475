#pragma once
// The dashboard page's script (see ui_assets.hpp): plain JavaScript, no libraries.

#include <string_view>

namespace rstreams::dashboard::detail {

inline constexpr std::string_view ui_js = R"rstreams_js('use strict';
// ---- state, API, helpers ------------------------------------------------------------------
const S = { info: null, overview: null, token: null, view: null, source: null, follow: null, gen: 0, botRenders: 0 };
const $ = (sel, el) => (el || document).querySelector(sel);
const esc = (v) => String(v === undefined || v === null ? '' : v)
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const fmtInt = (n) => Number(n || 0).toLocaleString('en-US');
const fmtRate = (r) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + '/s';
function fmtDur(ms) {
  if (!ms || ms <= 0) return '0s';
  if (ms < 60000) return (ms / 1000).toFixed(1) + 's';
  if (ms < 3600000) return Math.floor(ms / 60000) + 'm' + String(Math.floor(ms / 1000) % 60).padStart(2, '0') + 's';
  return Math.floor(ms / 3600000) + 'h' + String(Math.floor(ms / 60000) % 60).padStart(2, '0') + 'm';
}
const fmtTime = (ms) => (ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC') : '-');
const lagClass = (l) => (!l || l.lag_events === 0 ? 'lag0' : l.lag_ms < 60000 ? 'lag1' : 'lag2');
const lagColor = (e) => (e.lag_events === 0 ? '#16a34a' : e.lag_ms < 60000 ? '#d97706' : '#dc2626');

function readToken() {
  const m = location.hash.match(/[#&]token=([0-9A-Za-z_-]+)/);
  if (m) {
    sessionStorage.setItem('rstreams-token', m[1]);
    history.replaceState(null, '', location.pathname + '#/');
  }
  S.token = sessionStorage.getItem('rstreams-token');
}

async function api(path, method, body) {
  const headers = {};
  if (method === 'POST') {
    if (!S.token) {
      const t = window.prompt('The token `rstreams serve` printed at start:');
      if (!t) throw new Error('an action needs the token the server printed at start');
      S.token = t.trim();
      sessionStorage.setItem('rstreams-token', S.token);
    }
    headers['X-Rstreams-Token'] = S.token;
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, { method: method || 'GET', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let j = null;
  try { j = await r.json(); } catch (e) { j = { error: r.status + ' ' + r.statusText }; }
  if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
  return j;
}

function note(text, error) {
  const box = $('#message');
  const n = document.createElement('div');
  n.className = 'note' + (error ? ' error' : '');
  n.textContent = text;
  box.appendChild(n);
  setTimeout(() => n.remove(), error ? 9000 : 4000);
}
const fail = (e) => note(e.message || String(e), true);

// ---- charts: a time series as an inline SVG line -------------------------------------------
function chart(points, opt) {
  const w = opt.width || 560, h = opt.height || 140, pad = 34;
  // The axis spans the samples held (up to the last hour), so a young server draws a line too.
  const now = opt.now || Date.now(), span = opt.span || 3600000;
  const t0 = Math.min(now - 10000, Math.max(now - span, points.length ? points[0][0] : now - span));
  const pts = points.filter((p) => p[0] >= t0);
  const max = Math.max(1, ...pts.map((p) => p[1]));
  const x = (t) => pad + ((t - t0) / (now - t0)) * (w - pad - 8);
  const y = (v) => h - 18 - (v / max) * (h - 30);
  const line = pts.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
  let s = `<svg class="chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(opt.title)}">`;
  s += `<line x1="${pad}" y1="${h - 18}" x2="${w - 8}" y2="${h - 18}" stroke="#cbd5e1"/>`;
  s += `<line x1="${pad}" y1="12" x2="${pad}" y2="${h - 18}" stroke="#cbd5e1"/>`;
  s += `<text x="2" y="16">${esc(opt.fmt ? opt.fmt(max) : fmtInt(max))}</text><text x="2" y="${h - 18}">0</text>`;
  s += `<text x="${pad}" y="${h - 4}">-${esc(fmtDur(now - t0))}</text>`;
  s += `<text x="${w - 30}" y="${h - 4}">now</text><text x="${pad + 8}" y="12">${esc(opt.title)}</text>`;
  if (pts.length > 1) s += `<polyline fill="none" stroke="${opt.color || '#2563eb'}" stroke-width="1.8" points="${line}"/>`;
  else s += `<text x="${w / 2 - 60}" y="${h / 2}">collecting samples...</text>`;
  return s + '</svg>';
}

// ---- the graph ------------------------------------------------------------------------------
function layout(g) {
  const rank = {}, byId = {};
  g.nodes.forEach((n) => { rank[n.id] = 0; byId[n.id] = n; });
  for (let i = 0; i < g.nodes.length; i++) {
    let moved = false;
    g.edges.forEach((e) => {
      if (rank[e.from] !== undefined && rank[e.to] !== undefined && rank[e.to] < rank[e.from] + 1 && rank[e.from] < g.nodes.length) {
        rank[e.to] = rank[e.from] + 1; moved = true;
      }
    });
    if (!moved) break;
  }
  const cols = [];
  g.nodes.forEach((n) => { (cols[rank[n.id]] = cols[rank[n.id]] || []).push(n); });
  const pos = {}, W = 170, H = 46, DX = 240, DY = 74;
  cols.forEach((col, c) => {
    if (!col) return;
    // order by the mean row of predecessors (fewer crossings), then by name
    const key = (n) => {
      const ys = g.edges.filter((e) => e.to === n.id && pos[e.from]).map((e) => pos[e.from].y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 1e9;
    };
    col.sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name));
    col.forEach((n, i) => { pos[n.id] = { x: 20 + c * DX, y: 20 + i * DY, w: W, h: H }; });
  });
  const width = 40 + Math.max(1, cols.length) * DX, height = 40 + Math.max(1, ...cols.map((c) => (c ? c.length : 0))) * DY;
  return { pos, width, height, byId };
}

function graphSvg(g) {
  const L = layout(g);
  let s = `<svg id="graph" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" role="img" aria-label="graph of bots and queues"><defs>`;
  ['#16a34a', '#d97706', '#dc2626', '#64748b'].forEach((c, i) => {
    s += `<marker id="arrow${i}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`;
  });
  s += '</defs>';
  g.edges.forEach((e) => {
    const a = L.pos[e.from], b = L.pos[e.to];
    if (!a || !b) return;
    const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x - 2, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
    const color = e.reads ? lagColor(e) : '#64748b';
    const mi = ['#16a34a', '#d97706', '#dc2626', '#64748b'].indexOf(color);
    const label = e.reads ? `lag ${fmtInt(e.lag_events)}` + (e.rate_per_s > 0 ? ' · ' + fmtRate(e.rate_per_s) : '')
                          : (e.rate_per_s > 0 ? fmtRate(e.rate_per_s) : '');
    s += `<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="${color}" stroke-width="${e.reads && e.lag_events > 0 ? 2.6 : 1.6}" marker-end="url(#arrow${mi})"/>`;
    if (label) s += `<text class="label" x="${mx}" y="${(y1 + y2) / 2 - 5}" text-anchor="middle" fill="${color}">${esc(label)}</text>`;
    s += '</g>';
  });
  g.nodes.forEach((n) => {
    const p = L.pos[n.id];
    const href = n.type === 'bot' ? '#/bot/' + encodeURIComponent(n.name) : n.type === 'queue' ? '#/queue/' + encodeURIComponent(n.name) : null;
    const fill = n.type === 'bot' ? (n.paused ? '#e2e8f0' : '#dbeafe') : n.type === 'queue' ? '#ecfdf5' : '#fef9c3';
    const sub = n.type === 'bot' ? (n.paused ? 'paused' : 'bot') : n.type === 'queue' ? fmtInt(n.events) + ' events' : 'external';
    const rx = n.type === 'queue' ? 18 : 6;
    let body = `<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" rx="${rx}" fill="${fill}" stroke="#94a3b8"/>`;
    body += `<text x="${p.x + 10}" y="${p.y + 19}" font-weight="600">${esc(n.name.length > 24 ? n.name.slice(0, 23) + '…' : n.name)}</text>`;
    body += `<text x="${p.x + 10}" y="${p.y + 36}" fill="#64748b">${esc(sub)}</text>`;
    s += `<g class="node ${n.type}" data-node="${esc(n.id)}">` + (href ? `<a href="${href}">${body}</a>` : body) + '</g>';
  });
  return s + '</svg>';
}

function renderGraph() {
  const o = S.overview;
  if (!o) return;
  if (o.error) { $('#view').innerHTML = `<p class="lag2">${esc(o.error)}</p>`; return; }
  let h = `<h1>The graph of streams</h1><div class="graph">${graphSvg(o.graph)}</div>`;
  h += '<p class="muted">Edges into a bot are coloured by its lag (green: none, amber: under a minute, red: more) and labelled with the lag and the rate it reads at; edges out of it with the rate the queue is written at. Click a node for its page.</p>';
  h += '<h2>Bots</h2><table><tr><th>bot</th><th>status</th><th>input</th><th class="num">lag events</th><th class="num">read lag</th><th class="num">source lag</th><th class="num">in</th><th class="num">out</th><th class="num">errors</th><th>last run</th></tr>';
  o.bots.forEach((b) => {
    const ins = b.inputs.length ? b.inputs : [null];
    ins.forEach((l, i) => {
      h += `<tr><td>${i ? '' : `<a href="#/bot/${encodeURIComponent(b.bot)}">${esc(b.bot)}</a>`}</td><td>${i ? '' : `<span class="badge ${b.paused ? 'paused' : 'active'}">${b.paused ? 'paused' : 'active'}</span>`}</td>`;
      h += l ? `<td><a href="#/queue/${encodeURIComponent(l.queue)}">${esc(l.queue)}</a></td><td class="num ${lagClass(l)}">${fmtInt(l.lag_events)}</td><td class="num">${fmtDur(l.lag_ms)}</td><td class="num">${l.source_lag_ms ? fmtDur(l.source_lag_ms) : '-'}</td>` : '<td>-</td><td></td><td></td><td></td>';
      h += i ? '<td></td><td></td><td></td><td></td>' : `<td class="num">${fmtInt(b.events_in)}</td><td class="num">${fmtInt(b.events_out)}</td><td class="num">${fmtInt(b.dead_letters)}</td><td>${esc(b.last_outcome || '-')} ${b.last_run_end ? esc(fmtTime(b.last_run_end)) : ''}</td>`;
      h += '</tr>';
    });
  });
  h += '</table><h2>Queues</h2><table><tr><th>queue</th><th class="num">events</th><th class="num">bytes</th><th class="num">rate</th><th>last write</th><th>last eid</th></tr>';
  o.queues.forEach((q) => {
    h += `<tr><td><a href="#/queue/${encodeURIComponent(q.queue)}">${esc(q.queue)}</a></td><td class="num">${fmtInt(q.events)}</td><td class="num">${fmtInt(q.bytes)}</td><td class="num">${fmtRate(q.rate_per_s)}</td><td>${esc(fmtTime(q.last_write_ms))}</td><td class="mono">${esc(q.last_eid)}</td></tr>`;
  });
  $('#view').innerHTML = h + '</table>';
}

// ---- bot page ---------------------------------------------------------------------------------
async function renderBot(name, keepForms) {
  const gen = ++S.gen;  // only the latest render lands (a move to another page may start one mid-flight)
  S.botRenders++;
  let b;
  try {
    b = await api('/api/bots/' + encodeURIComponent(name));
  } finally {
    S.botRenders--;
  }
  if (S.view !== 'bot:' + name || gen !== S.gen) return;
  const fig = (k, v) => `<div class="fig"><div class="k">${esc(k)}</div><div class="v">${v}</div></div>`;
  let h = `<h1>Bot ${esc(b.bot)} <span id="bot-status" class="badge ${b.paused ? 'paused' : 'active'}">${b.paused ? 'paused' : 'active'}</span></h1>`;
  h += '<div class="grid">' + fig('events in', fmtInt(b.events_in)) + fig('events out', fmtInt(b.events_out)) +
    fig('errors (dead letters)', fmtInt(b.dead_letters)) + fig('runs ok / failed', fmtInt(b.runs) + ' / ' + fmtInt(b.failed_runs)) +
    fig('consecutive errors', fmtInt(b.consecutive_errors)) + fig('commits', fmtInt(b.commits)) +
    fig('lease holder', esc(b.lease_holder || '-')) + fig('last run', esc(b.last_outcome || '-') + '<br><span class="muted mono">' + esc(fmtTime(b.last_run_end)) + '</span>') + '</div>';
  if (b.last_error) h += `<p class="lag2">last error: ${esc(b.last_error)}</p>`;
  h += '<h2>Inputs</h2>';
  b.inputs.forEach((l) => {
    h += `<div class="card input" data-queue="${esc(l.queue)}"><div class="row"><b><a href="#/queue/${encodeURIComponent(l.queue)}">${esc(l.queue)}</a></b>
      <span>checkpoint <code class="checkpoint">${esc(l.checkpoint === null ? '(none)' : l.checkpoint || '(start)')}</code></span></div>
      <div class="row"><span class="${lagClass(l)}">lag <b class="lag-events">${fmtInt(l.lag_events)}</b> events</span>
      <span>read lag <b>${fmtDur(l.lag_ms)}</b></span><span>source lag <b>${l.source_lag_ms ? fmtDur(l.source_lag_ms) : '-'}</b></span>
      <span>reading <b>${fmtRate(l.read_rate_per_s || 0)}</b></span></div>
      ${chart(l.history.map((p) => [p[0], p[1]]), { title: 'lag in events (up to the last hour)', color: '#dc2626' })}
      ${chart(l.history.map((p) => [p[0], p[2]]), { title: 'read lag (up to the last hour)', color: '#d97706', fmt: fmtDur })}</div>`;
  });
  if (!b.inputs.length) h += '<p class="muted">No checkpoints: this bot reads no queue (a loader, or it never ran).</p>';
  if (b.writes.length || b.reads.length) h += `<p class="muted">declares reads: ${esc(b.reads.join(', ') || '-')}; writes: ${b.writes.map((w) => w.includes(':') ? esc(w) : `<a href="#/queue/${encodeURIComponent(w)}">${esc(w)}</a>`).join(', ') || '-'}</p>`;
  h += '<h2>Last runs seen</h2>';
  if (b.recent_runs.length) {
    h += '<table><tr><th>start</th><th>end</th><th class="num">took</th><th>outcome</th><th class="num">in</th><th class="num">out</th><th>error</th></tr>';
    b.recent_runs.slice().reverse().forEach((r) => {
      h += `<tr><td>${esc(fmtTime(r.start_ms))}</td><td>${esc(fmtTime(r.end_ms))}</td><td class="num">${fmtDur(r.end_ms - r.start_ms)}</td><td class="${r.outcome === 'ok' ? 'lag0' : 'lag2'}">${esc(r.outcome)}</td><td class="num">${fmtInt(r.events_in)}</td><td class="num">${fmtInt(r.events_out)}</td><td>${esc(r.error)}</td></tr>`;
    });
    h += '</table>';
  } else h += '<p class="muted">None since the dashboard started.</p>';
  // A live update keeps the forms being filled in, but only this bot's: right after a move from
  // another bot's page, the page still shows that bot's forms, bound to its name.
  const forms = $('#actions');
  if (keepForms && forms && forms.dataset.bot === name) {
    const saved = forms;
    $('#view').innerHTML = h + '<div id="actions-slot"></div>';
    $('#actions-slot').replaceWith(saved);
    $('#pause').disabled = b.paused;
    $('#resume').disabled = !b.paused;
    return;
  }
  if (S.info && !S.info.read_only) {
    const opts = b.inputs.map((l) => `<option value="${esc(l.queue)}">${esc(l.queue)}</option>`).join('');
    h += `<div id="actions" data-bot="${esc(name)}"><h2>Actions</h2><div class="card">
      <div class="row"><button id="pause" ${b.paused ? 'disabled' : ''}>Pause</button><button id="resume" ${b.paused ? '' : 'disabled'}>Resume</button>
      <span class="muted">Pausing stops its runs from starting (a run in progress finishes); resuming also clears its error count.</span></div>
      <div class="row"><b>Replay</b> from <input id="replay-from" class="wide" placeholder="eid (z/2026/...) or UTC time (2026-12-05T15:00:00Z)">
      <select id="replay-queue"><option value="">every input</option>${opts}</select><button id="replay-dry">Dry run</button></div>
      <div class="row"><b>Checkpoint</b> on <select id="cp-queue">${opts}</select> to <input id="cp-to" placeholder="start, end, an eid or a UTC time">
      <button id="cp-dry">Dry run</button></div><div id="plan"></div></div></div>`;
  } else if (S.info && S.info.read_only) {
    h += '<p class="muted">Read-only dashboard: pause, resume, replay and checkpoint moves are off.</p>';
  }
  $('#view').innerHTML = h;
  if (!$('#pause')) return;
  const act = (path, body) => api('/api/bots/' + encodeURIComponent(name) + path, 'POST', body);
  $('#pause').addEventListener('click', () => act('/pause').then(() => { note(name + ' paused'); renderBot(name); }).catch(fail));
  $('#resume').addEventListener('click', () => act('/resume').then(() => { note(name + ' resumed'); renderBot(name); }).catch(fail));
  const showPlan = (path, body, what) => act(path, body).then((plan) => {
    let p = `<div class="plan" id="dry-run"><b>Dry run: ${esc(what)}</b> (nothing changed yet)<table><tr><th>queue</th><th>from</th><th>to</th><th class="num">lag before</th><th class="num">lag after</th></tr>`;
    plan.changes.forEach((c) => {
      p += `<tr><td>${esc(c.queue)}</td><td class="mono">${esc(c.from === null ? '(none)' : c.from || '(start)')}</td><td class="mono">${esc(c.to || '(start)')}</td><td class="num">${fmtInt(c.lag_before)}</td><td class="num">${fmtInt(c.lag_after)}</td></tr>`;
    });
    p += '</table><div class="row"><button id="confirm" class="danger">Confirm</button><button id="cancel">Cancel</button></div></div>';
    $('#plan').innerHTML = p;
    $('#cancel').addEventListener('click', () => { $('#plan').innerHTML = ''; });
    $('#confirm').addEventListener('click', () => act(path, Object.assign({}, body, { execute: true, expect: plan.changes }))
      .then(() => { note(what + ': done'); $('#plan').innerHTML = ''; renderBot(name); }).catch(fail));
  }).catch(fail);
  $('#replay-dry').addEventListener('click', () => {
    const body = { from: $('#replay-from').value.trim() };
    if ($('#replay-queue').value) body.queue = $('#replay-queue').value;
    showPlan('/replay', body, 'replay ' + name + ' from ' + body.from);
  });
  $('#cp-dry').addEventListener('click', () => {
    const q = $('#cp-queue').value;
    if (!q) { note('this bot has no checkpoint to move', true); return; }
    showPlan('/checkpoints/' + encodeURIComponent(q), { to: $('#cp-to').value.trim() }, 'move ' + name + ' on ' + q);
  });
}

const traceHref = (eid, queue) => '#/trace/' + encodeURIComponent(eid) + (queue ? '/' + encodeURIComponent(queue) : '');

// ---- queue page -------------------------------------------------------------------------------
function eventHtml(e) {
  return `<div class="event" data-eid="${esc(e.eid)}"><div class="head"><code>${esc(e.eid)}</code><span class="muted">by ${esc(e.id)}</span>
    <a href="${traceHref(e.eid, e.event)}">trace</a></div><pre>${esc(JSON.stringify(e, null, 2))}</pre></div>`;
}

async function renderQueue(name) {
  const q = await api('/api/queues/' + encodeURIComponent(name));
  if (S.view !== 'queue:' + name) return;
  const fig = (k, v) => `<div class="fig"><div class="k">${esc(k)}</div><div class="v">${v}</div></div>`;
  let h = `<h1>Queue ${esc(q.queue)}</h1><div class="grid">` + fig('events', fmtInt(q.events)) + fig('bytes', fmtInt(q.bytes)) +
    fig('write rate', fmtRate(q.rate_per_s)) + fig('last write', esc(fmtTime(q.last_write_ms))) + '</div>';
  h += '<p class="mono muted">first ' + esc(q.first_eid || '-') + ' · last ' + esc(q.last_eid || '-') + '</p>';
  h += chart(q.history.map((p) => [p[0], p[2]]), { title: 'events written per second (up to the last hour)', color: '#16a34a', fmt: fmtRate, width: 700 });
  if (q.readers.length) {
    h += '<h2>Read by</h2><table><tr><th>bot</th><th>checkpoint</th><th class="num">lag</th><th class="num">read lag</th></tr>';
    q.readers.forEach((l) => { h += `<tr><td><a href="#/bot/${encodeURIComponent(l.bot)}">${esc(l.bot)}</a></td><td class="mono">${esc(l.checkpoint || '(start)')}</td><td class="num ${lagClass(l)}">${fmtInt(l.lag_events)}</td><td class="num">${fmtDur(l.lag_ms)}</td></tr>`; });
    h += '</table>';
  }
  h += `<h2>Events</h2><div class="row"><input id="jump" class="wide" placeholder="jump to an eid or prefix (z/2026/12/05/) or a UTC time (2026-12-05T15:00:00Z)">
    <button id="jump-go">Jump</button><button id="latest">Latest</button><label><input type="checkbox" id="follow"> follow live</label></div>
    <div id="events" class="events"></div>`;
  $('#view').innerHTML = h;
  const base = '/api/queues/' + encodeURIComponent(name) + '/events';
  const show = (r) => {
    S.follow = { queue: name, after: r.next_after };
    $('#events').innerHTML = r.events.length ? r.events.map(eventHtml).join('') : '<p class="muted">No events here.</p>';
  };
  const latest = () => api(base + '?limit=20').then(show).catch(fail);
  $('#latest').addEventListener('click', latest);
  $('#jump-go').addEventListener('click', () => api(base + '?limit=20&from=' + encodeURIComponent($('#jump').value.trim())).then(show).catch(fail));
  $('#follow').addEventListener('change', () => { if ($('#follow').checked) latest(); });
  await latest();
}

// New events of a followed queue, newest at the bottom (at most 200 kept on the page).
async function followTick() {
  const f = S.follow;
  if (!f || S.view !== 'queue:' + f.queue || !$('#follow') || !$('#follow').checked) return;
  const r = await api('/api/queues/' + encodeURIComponent(f.queue) + '/events?limit=100' + (f.after ? '&after=' + encodeURIComponent(f.after) : ''));
  if (!r.events.length) return;
  f.after = r.next_after;
  const box = $('#events');
  if ($('p', box)) box.innerHTML = '';
  box.insertAdjacentHTML('beforeend', r.events.map(eventHtml).join(''));
  while (box.children.length > 200) box.firstElementChild.remove();
}

// ---- trace page -------------------------------------------------------------------------------
async function renderTrace(arg) {
  // #/trace/EID/QUEUE with both URL-encoded; an eid typed with its slashes works too (any queue).
  const parts = arg.split('/'), typed = parts.length > 2;
  const eid = typed ? decodeURIComponent(arg) : decodeURIComponent(parts[0] || ''), queue = typed ? '' : decodeURIComponent(parts[1] || '');
  let h = `<h1>Trace an event</h1><div class="row"><input id="trace-eid" class="wide" value="${esc(eid)}" placeholder="the event's eid">
    <button id="trace-go" class="primary">Trace</button></div><div id="lineage" class="lineage"></div>`;
  $('#view').innerHTML = h;
  $('#trace-go').addEventListener('click', () => { location.hash = traceHref($('#trace-eid').value.trim(), ''); });
  if (!eid) { $('#lineage').innerHTML = '<p class="muted">Give an eid (each event on a queue page has a trace link).</p>'; return; }
  const t = await api('/api/trace?eid=' + encodeURIComponent(eid) + (queue ? '&queue=' + encodeURIComponent(queue) : ''));
  if (S.view !== 'trace:' + arg) return;
  const item = (e, cls, depth, what) => `<div class="item ${cls} d${Math.min(depth, 5)}" data-eid="${esc(e.eid)}" data-queue="${esc(e.event)}">
    <b>${esc(what)}</b> <a href="#/queue/${encodeURIComponent(e.event)}">${esc(e.event)}</a> <code>${esc(e.eid)}</code>
    <span class="muted">written by ${esc(e.id)}</span> <a href="${traceHref(e.eid, e.event)}">trace this</a>
    <details${cls === 'ancestor' || cls === 'traced' ? ' open' : ''}><summary>event</summary><pre>${esc(JSON.stringify(e, null, 2))}</pre></details></div>`;
  let l = '<h2>Back to the source</h2>';
  if (!t.ancestors.length) l += '<p class="muted">This event has no parent: it is a source event.</p>';
  t.ancestors.slice().reverse().forEach((a) => { l += item(a.event, 'ancestor', 0, a.depth === 1 ? 'parent' : 'ancestor (' + a.depth + ' up)'); });
  l += item(t.event, 'traced', 0, 'traced event');
  l += '<h2>Derived from it</h2>';
  if (!t.descendants.length) l += '<p class="muted">Nothing derived from it (yet).</p>';
  t.descendants.forEach((d) => { l += item(d.event, 'descendant', d.depth, d.depth === 1 ? 'child' : 'descendant (' + d.depth + ' down)'); });
  l += `<p class="muted">${fmtInt(t.scanned)} events read looking forward${t.truncated ? ' (the search stopped at its bound: there may be more)' : ''}.</p>`;
  $('#lineage').innerHTML = l;
}

// ---- routing and live updates ---------------------------------------------------------------
function route() {
  if (/token=/.test(location.hash)) readToken();
  const m = location.hash.match(/^#\/(bot|queue|trace)\/(.*)$/);
  const kind = m ? m[1] : 'graph', arg = m ? (m[1] === 'trace' ? m[2] : decodeURIComponent(m[2])) : '';
  S.view = kind === 'graph' ? 'graph' : kind + ':' + arg;
  S.follow = null;
  window.scrollTo(0, 0);
  if (kind === 'graph') { $('#view').innerHTML = '<p class="muted">Waiting for the first update...</p>'; renderGraph(); return; }
  const r = kind === 'bot' ? renderBot(arg) : kind === 'queue' ? renderQueue(arg) : renderTrace(arg);
  r.catch((e) => { $('#view').innerHTML = `<h1>${esc(kind)} ${esc(arg)}</h1><p class="lag2">${esc(e.message)}</p>`; });
}

function onUpdate(o) {
  S.overview = o;
  if (S.view === 'graph') renderGraph();
  // A live update skips the bot page while a render is on its way: on a server slower than the
  // updates, each would supersede the last and none would land.
  else if (S.view && S.view.startsWith('bot:') && !$('#dry-run') && !S.botRenders) renderBot(S.view.slice(4), true).catch(() => {});
  else if (S.view && S.view.startsWith('queue:')) followTick().catch(fail);
}

function connect() {
  const es = new EventSource('/api/events');
  S.source = es;
  es.addEventListener('update', (ev) => { $('#live').textContent = 'live'; $('#live').className = 'badge on'; onUpdate(JSON.parse(ev.data)); });
  es.addEventListener('error', () => { $('#live').textContent = 'reconnecting'; $('#live').className = 'badge off'; });
}

async function start() {
  readToken();
  try {
    S.info = await api('/api/info');
    $('#bus').textContent = S.info.bus;
    $('#mode').textContent = S.info.read_only ? 'read-only' : '';
    S.overview = await api('/api/overview');
  } catch (e) { fail(e); }
  window.addEventListener('hashchange', route);
  route();
  connect();
}
start();
)rstreams_js";

}  // namespace rstreams::dashboard::detail
