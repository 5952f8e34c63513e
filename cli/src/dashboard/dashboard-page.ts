/**
 * The dashboard: one self-contained page (no CDN, works offline) fed by the job's server-sent
 * snapshots (`/api/events`). Buttons call the control API with the page's token.
 */
export function dashboardPage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tributary-token" content="${token.replace(/[^0-9a-f]/g, '')}">
<title>Tributary job</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1 id="job-name">Tributary job</h1>
  <span id="status" class="badge">connecting</span>
  <span id="uptime"></span>
  <span class="spacer"></span>
  <button id="savepoint-btn" type="button">Savepoint</button>
  <button id="stop-btn" type="button">Stop with savepoint</button>
</header>
<p id="message" role="status"></p>
<section><h2>Pipeline</h2><div id="pipeline" class="pipeline"></div></section>
<section class="totals" id="totals"></section>
<section><h2>Subtasks</h2>
<table id="subtasks"><thead><tr><th>#</th><th>records in</th><th>in/s</th><th>records out</th><th>out/s</th><th title="Time blocked in the sink's write per second (backpressure)">backpressure</th><th>send time (ms)</th><th>watermark lag (ms)</th><th>pending</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Checkpoints</h2>
<table id="checkpoints"><thead><tr><th>id</th><th>kind</th><th>status</th><th>duration (ms)</th><th>size</th><th>time</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Recent errors</h2><ul id="errors"></ul></section>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{display:flex;gap:12px;align-items:center;padding:12px 20px;background:#fff;border-bottom:1px solid #d0d7de}
h1{font-size:18px;margin:0} h2{font-size:14px;margin:0 0 8px;color:#57606a;text-transform:uppercase;letter-spacing:.04em}
section{margin:16px 20px;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px}
.spacer{flex:1} .badge{padding:2px 8px;border-radius:10px;background:#ddf4ff;font-weight:600}
.badge.running{background:#dafbe1} .badge.failed{background:#ffebe9} .badge.stopped,.badge.finished{background:#eaeef2}
button{font:inherit;padding:5px 12px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer}
button:disabled{opacity:.5;cursor:default}
#message{margin:8px 20px;min-height:1.4em;color:#0969da}
table{border-collapse:collapse;width:100%} th,td{text-align:right;padding:4px 8px;border-bottom:1px solid #eaeef2}
th:first-child,td:first-child{text-align:left}
.pipeline{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.node{border:1px solid #0969da;border-radius:6px;padding:6px 10px;background:#ddf4ff}
.node small{display:block;color:#57606a} .arrow{color:#57606a}
.totals{display:flex;gap:24px} .totals div b{display:block;font-size:20px}
#errors li{color:#cf222e}
.bp{display:inline-block;position:relative;min-width:64px;padding:0 4px;border-radius:4px;background:#eaeef2;text-align:right}
.bp b{position:relative;font-weight:400} .bp i{position:absolute;left:0;top:0;bottom:0;border-radius:4px;opacity:.45}
.bp.ok i{background:#2da44e} .bp.low i{background:#d4a72c} .bp.high i{background:#cf222e}
`;

const SCRIPT = `
const token = document.querySelector('meta[name=tributary-token]').content;
const $ = (id) => document.getElementById(id);
const num = new Intl.NumberFormat('en-US');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const bytes = (n) => n === undefined ? '' : n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';
const opt = (n) => n === undefined || n === null ? '-' : num.format(Math.round(n));
// Flink's thresholds: up to 10% OK, up to 50% low, above high.
const pressure = (msPerSecond) => {
  const pct = Math.round(msPerSecond / 10);
  const level = pct > 50 ? 'high' : pct > 10 ? 'low' : 'ok';
  return '<span class="bp ' + level + '" title="' + Math.round(msPerSecond) + ' ms/s blocked in write"><i style="width:' + pct + '%"></i><b>' + pct + '%</b></span>';
};
function render(s) {
  document.title = s.jobName + ' - Tributary';
  $('job-name').textContent = s.jobName;
  $('status').textContent = s.status;
  $('status').className = 'badge ' + s.status;
  $('uptime').textContent = 'up ' + (s.uptimeMs / 1000).toFixed(0) + ' s';
  const p = s.pipeline;
  const node = (title, sub) => '<div class="node">' + esc(title) + '<small>' + esc(sub) + '</small></div>';
  const parts = [node(p.source.name, p.source.connector + ' x' + p.parallelism)]
    .concat(p.operators.map((o) => node(o, 'x' + p.parallelism)))
    .concat([node(p.sink.name, p.sink.connector + ' x' + p.parallelism)]);
  $('pipeline').innerHTML = parts.join('<span class="arrow">&rarr;</span>');
  $('totals').innerHTML = [['records in', num.format(s.recordsIn)], ['in/s', opt(s.recordsInPerSecond)],
    ['records out', num.format(s.recordsOut)], ['out/s', opt(s.recordsOutPerSecond)], ['lag', opt(s.lag)],
    ['record errors', num.format(s.recordErrors)], ['restarts', num.format(s.restarts)]]
    .map(([k, v]) => '<div>' + k + '<b data-total="' + k + '">' + v + '</b></div>').join('');
  $('subtasks').tBodies[0].innerHTML = s.subtasks.map((t) => '<tr><td>' + t.subtask + '</td><td>' + num.format(t.recordsIn) +
    '</td><td>' + opt(t.recordsInPerSecond) + '</td><td>' + num.format(t.recordsOut) + '</td><td>' + opt(t.recordsOutPerSecond) +
    '</td><td>' + pressure(t.backPressuredMsPerSecond) + '</td><td>' + opt(t.sendTimeMs) + '</td><td>' + opt(t.watermarkLagMs) + '</td><td>' + opt(t.pendingRecords) + '</td></tr>').join('');
  $('checkpoints').tBodies[0].innerHTML = s.checkpoints.slice().reverse().map((c) => '<tr class="' + c.status + '"><td>' + c.id +
    '</td><td>' + c.kind + '</td><td>' + c.status + '</td><td>' + opt(c.durationMs) + '</td><td>' + bytes(c.sizeBytes) +
    '</td><td>' + new Date(c.at).toLocaleTimeString() + '</td></tr>').join('');
  $('errors').innerHTML = s.errors.length === 0 ? '<li style="color:#57606a">none</li>' :
    s.errors.slice().reverse().map((e) => '<li>' + new Date(e.at).toLocaleTimeString() + ' ' + esc(e.message) + '</li>').join('');
  const ended = ['finished', 'stopped', 'cancelled', 'failed'].includes(s.status);
  $('savepoint-btn').disabled = ended;
  $('stop-btn').disabled = ended;
}
async function control(path, label) {
  $('message').textContent = label + '...';
  try {
    const res = await fetch(path, { method: 'POST', headers: { 'x-tributary-token': token, 'content-type': 'application/json' }, body: '{}' });
    const body = await res.json();
    $('message').textContent = res.ok ? label + ' done: ' + body.path : label + ' failed: ' + body.error;
  } catch (error) {
    $('message').textContent = label + ' failed: ' + error.message;
  }
}
$('savepoint-btn').addEventListener('click', () => control('/api/savepoint', 'Savepoint'));
$('stop-btn').addEventListener('click', () => control('/api/stop', 'Stop with savepoint'));
const events = new EventSource('/api/events');
events.onmessage = (e) => render(JSON.parse(e.data));
events.onerror = () => { if (!['finished', 'stopped', 'cancelled', 'failed'].includes($('status').textContent)) $('status').textContent = 'disconnected'; events.close(); };
`;
