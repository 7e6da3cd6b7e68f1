/**
 * The admin page and its script: no framework, no external asset (the operator port may have no
 * Internet), served with a strict Content-Security-Policy. Names that come from clients (rooms,
 * error details) are written with textContent only.
 */

export const ADMIN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Actorwire admin</title>
<style>
  :root { --bg: #0f1419; --panel: #182029; --line: #263241; --text: #e6edf3; --muted: #8b98a5; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #58a6ff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
  header { display: flex; align-items: center; gap: 12px; padding: 14px 20px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; }
  header .meta { color: var(--muted); font-size: 13px; }
  .badge { padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: var(--line); }
  .badge.healthy, .badge.up, .badge.live { background: rgba(63,185,80,.18); color: var(--ok); }
  .badge.degraded, .badge.reconnecting { background: rgba(210,153,34,.18); color: var(--warn); }
  .badge.down, .badge.draining, .badge.refused { background: rgba(248,81,73,.18); color: var(--bad); }
  .spacer { flex: 1; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 12px; }
  .card, section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; margin-top: 2px; white-space: nowrap; }
  .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; }
  section h2 { font-size: 13px; margin: 0 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 5px 6px; border-top: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; border-top: 0; }
  td.num, th.num { text-align: right; }
  td.name { word-break: break-all; }
  .empty { color: var(--muted); font-style: italic; }
  svg.spark { width: 100%; height: 60px; display: block; }
  svg.spark path { fill: none; stroke: var(--accent); stroke-width: 1.5; }
  form { display: flex; gap: 8px; align-items: center; }
  input { background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-width: 280px; }
  button { background: var(--accent); color: #000; border: 0; border-radius: 6px; padding: 6px 12px; font-weight: 600; cursor: pointer; }
  #login { display: none; }
  #error { color: var(--bad); }
  .detail { color: var(--muted); font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>Actorwire</h1>
  <span class="meta" id="instance">—</span>
  <span class="badge" id="status">—</span>
  <span class="spacer"></span>
  <span class="meta" id="updated"></span>
  <span class="badge" id="link">connecting</span>
</header>
<main>
  <section id="login">
    <form id="login-form">
      <label for="token">Admin token</label>
      <input id="token" type="password" autocomplete="current-password" placeholder="ACTORWIRE_ADMIN_TOKEN">
      <button type="submit">Open</button>
      <span id="error"></span>
    </form>
  </section>
  <div class="cards">
    <div class="card"><div class="label">Connections</div><div class="value" id="connections">–</div></div>
    <div class="card"><div class="label">Users</div><div class="value" id="users">–</div></div>
    <div class="card"><div class="label">Rooms</div><div class="value" id="rooms">–</div></div>
    <div class="card"><div class="label">Received / s</div><div class="value" id="rate-received">–</div></div>
    <div class="card"><div class="label">Sent / s</div><div class="value" id="rate-sent">–</div></div>
    <div class="card"><div class="label">Publishes / s</div><div class="value" id="rate-published">–</div></div>
    <div class="card"><div class="label">Errors / s</div><div class="value" id="rate-errors">–</div></div>
    <div class="card"><div class="label">Memory (RSS)</div><div class="value" id="rss">–</div></div>
  </div>
  <div class="grid2">
    <section><h2>Connections, last 2 minutes</h2><svg class="spark" id="spark-connections" viewBox="0 0 120 60" preserveAspectRatio="none"><path d=""></path></svg></section>
    <section><h2>Messages received / s, last 2 minutes</h2><svg class="spark" id="spark-received" viewBox="0 0 120 60" preserveAspectRatio="none"><path d=""></path></svg></section>
  </div>
  <div class="grid2">
    <section><h2>Top rooms by members</h2><table><thead><tr><th>Room</th><th class="num">Members</th></tr></thead><tbody id="top-rooms"></tbody></table></section>
    <section><h2>Health</h2><table><thead><tr><th>Component</th><th>Status</th><th>Detail</th></tr></thead><tbody id="components"></tbody></table></section>
    <section><h2>Errors by code</h2><table><thead><tr><th>Code</th><th class="num">Total</th><th class="num">/ s</th></tr></thead><tbody id="errors"></tbody></table></section>
    <section><h2>Messages by type</h2><table><thead><tr><th>Type</th><th class="num">Total</th><th class="num">/ s</th></tr></thead><tbody id="types"></tbody></table></section>
  </div>
</main>
<script src="admin/app.js"></script>
</body>
</html>
`;

export const ADMIN_PAGE_SCRIPT = `'use strict';
(() => {
  const KEY = 'actorwire-admin-token';
  const $ = (id) => document.getElementById(id);
  const base = location.pathname.replace(/\\/?$/, '/');
  const nf = new Intl.NumberFormat();
  const history = { connections: [], received: [] };
  let token = null;
  let backoff = 1000;
  let controller = null;

  // A token in the fragment (#token=…) is taken once and removed from the address bar; the
  // fragment never reaches a server or a log.
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    token = decodeURIComponent(m[1]);
    sessionStorage.setItem(KEY, token);
    window.history.replaceState(null, '', location.pathname);
  } else token = sessionStorage.getItem(KEY);

  function setLink(state, text) {
    const el = $('link');
    el.className = 'badge ' + state;
    el.textContent = text || state;
  }

  function showLogin(message) {
    $('login').style.display = 'block';
    $('error').textContent = message || '';
    setLink('refused', 'no token');
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(KEY, token);
    $('login').style.display = 'none';
    connect();
  });

  function fmtBytes(n) {
    const units = ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
  }

  function rows(tbody, items, cells) {
    const el = $(tbody);
    el.replaceChildren();
    if (items.length === 0) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 3;
      td.className = 'empty';
      td.textContent = 'none';
      tr.appendChild(td);
      el.appendChild(tr);
      return;
    }
    for (const item of items) {
      const tr = document.createElement('tr');
      for (const [text, cls] of cells(item)) {
        const td = document.createElement('td');
        if (cls) td.className = cls;
        if (text instanceof Node) td.appendChild(text); else td.textContent = text;
        tr.appendChild(td);
      }
      el.appendChild(tr);
    }
  }

  function badge(status) {
    const s = document.createElement('span');
    s.className = 'badge ' + String(status);
    s.textContent = String(status);
    return s;
  }

  function componentDetail(c) {
    const parts = [];
    if (c.state) parts.push('state ' + c.state);
    if (c.lag && typeof c.lag === 'object') {
      const lags = Object.entries(c.lag).map(([t, n]) => t + ': ' + n);
      parts.push('lag ' + (lags.length ? lags.join(', ') : '0'));
    }
    if (c.detail) parts.push(String(c.detail));
    if (parts.length === 0) {
      for (const [k, v] of Object.entries(c)) if (k !== 'status' && (typeof v === 'number' || typeof v === 'string')) parts.push(k + ' ' + v);
    }
    return parts.join(' · ');
  }

  function spark(id, values) {
    const path = document.querySelector('#' + id + ' path');
    const max = Math.max(1, ...values);
    // Until two minutes have been seen, the samples so far span the width.
    const step = 120 / Math.max(1, values.length - 1);
    path.setAttribute('d', values.map((v, i) => (i ? 'L' : 'M') + (i * step).toFixed(1) + ' ' + (58 - (v / max) * 56).toFixed(1)).join(' '));
  }

  function render(s) {
    $('instance').textContent = s.instance + ' · v' + s.version + ' · up ' + s.uptime_seconds + ' s';
    const st = $('status');
    st.className = 'badge ' + s.status;
    st.textContent = s.status;
    $('updated').textContent = new Date(s.at).toLocaleTimeString();
    $('connections').textContent = nf.format(s.connections);
    $('users').textContent = nf.format(s.users);
    $('rooms').textContent = nf.format(s.rooms);
    $('rate-received').textContent = nf.format(s.rates.received);
    $('rate-sent').textContent = nf.format(s.rates.sent);
    $('rate-published').textContent = nf.format(s.rates.published);
    $('rate-errors').textContent = nf.format(s.rates.errors);
    $('rss').textContent = fmtBytes(s.process.rss_bytes);
    rows('top-rooms', s.top_rooms, (r) => [[r.room, 'name'], [nf.format(r.members), 'num']]);
    rows('errors', s.errors_by_code, (e) => [[e.code], [nf.format(e.total), 'num'], [nf.format(e.per_second), 'num']]);
    rows('types', s.received_by_type, (e) => [[e.type], [nf.format(e.total), 'num'], [nf.format(e.per_second), 'num']]);
    rows('components', Object.entries(s.components), ([name, c]) => [[name, 'name'], [badge(c.status || 'up')], [componentDetail(c), 'detail']]);
    for (const [key, v] of [['connections', s.connections], ['received', s.rates.received]]) {
      history[key].push(v);
      if (history[key].length > 120) history[key].shift();
      spark('spark-' + key, history[key]);
    }
  }

  function handle(block) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    if (event === 'snapshot' && data) render(JSON.parse(data));
  }

  async function connect() {
    if (!token) return showLogin();
    if (controller) controller.abort();
    controller = new AbortController();
    setLink('reconnecting', 'connecting');
    let res;
    try {
      res = await fetch(base + 'stream', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store', signal: controller.signal });
    } catch (e) {
      return retry();
    }
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      token = null;
      return showLogin('the token was refused');
    }
    if (!res.ok || !res.body) return retry();
    setLink('live');
    backoff = 1000;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i;
        while ((i = buffer.indexOf('\\n\\n')) >= 0) {
          handle(buffer.slice(0, i));
          buffer = buffer.slice(i + 2);
        }
      }
    } catch (e) {
      // the stream broke: reconnect below
    }
    retry();
  }

  function retry() {
    setLink('reconnecting');
    const wait = backoff;
    backoff = Math.min(backoff * 2, 10000);
    setTimeout(connect, wait);
  }

  connect();
})();
`;
