// The web console in a real browser (issue 15): Debian's chromium driven by playwright-core
// against the real `weft serve` on 127.0.0.1 with a stand-in vendor API. A signed webhook starts
// an execution whose `charge` step fails; in the browser we log in with a token, find the
// execution, open it, see the failed step highlighted in the graph, make the stand-in succeed,
// replay (confirming) and see it complete; a refused action shows the API's error; the flows page
// shows triggers; a 30-step flow's graph is readable; 1280×800 and 375px layouts do not overflow.
// Usage: node console_test.mjs WEFT_BINARY WORK_DIR OUTPUT_DIR (screenshots: OUTPUT_DIR/*.png).
import {spawn, execFileSync} from 'node:child_process';
import {createHmac} from 'node:crypto';
import {createRequire} from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const [weft, work, out] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const {chromium} = createRequire(path.join(work, 'package.json'))('playwright-core');
const VENDOR_TOKEN = 'vt_' + Math.random().toString(36).slice(2) + 'SECRETVALUE';
const HOOK_SECRET = 'hs_' + Math.random().toString(36).slice(2);

const cleanup = [];
let failures = 0;
let page = null;  // the browser tab (a screenshot of it is saved when the test fails)
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function eventually(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(100);
  }
  throw new Error(`timed out: ${what} (${last})`);
}

// ---- the stand-in vendor: GET /orders/:id echoes the bearer token (the engine must redact it
// from the recorded result); POST /charge answers 503 until `charging` is set.
let charging = false;
const vendor = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'GET' && req.url.startsWith('/orders/')) {
      const id = decodeURIComponent(req.url.slice(8));
      return res.end(JSON.stringify({id, total: 42.5, seen_auth: req.headers.authorization || ''}));
    }
    if (req.method === 'POST' && req.url === '/charge') {
      if (!charging) { res.statusCode = 503; return res.end('{"error":"payments down"}'); }
      return res.end(JSON.stringify({charge_id: 'ch_1', for: JSON.parse(body || '{}').id}));
    }
    res.statusCode = 404;
    res.end('{}');
  });
});

function run(args, input) {
  return execFileSync(weft, args, {input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']});
}

/// Starts `weft serve`; resolves to {proc, base} once it listens.
async function serve(data, extra, env) {
  const log = path.join(data, '..', `serve-${path.basename(data)}.log`);
  const fd = fs.openSync(log, 'w');
  const proc = spawn(weft, ['serve', '--data', data, '--listen', '127.0.0.1:0', ...extra],
    {env: {...process.env, ...env}, stdio: ['ignore', fd, fd]});
  cleanup.push(async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await eventually('weft serve stops', () => proc.exitCode !== null, 10000).catch(() => proc.kill('SIGKILL'));
  });
  const port = await eventually('weft serve listens', () => {
    if (proc.exitCode !== null) throw new Error('weft serve exited: ' + fs.readFileSync(log, 'utf8'));
    const m = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(log, 'utf8'));
    return m && Number(m[1]);
  }, 20000);
  return {proc, base: `http://127.0.0.1:${port}`, log};
}

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(out, {recursive: true});
  for (const f of fs.readdirSync(out)) if (f.endsWith('.png')) fs.rmSync(path.join(out, f));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-console-'));
  cleanup.push(() => fs.rmSync(dir, {recursive: true, force: true}));
  await new Promise((r) => vendor.listen(0, '127.0.0.1', r));
  cleanup.push(() => vendor.close());
  const vendorUrl = `http://127.0.0.1:${vendor.address().port}`;

  // ---- the data directory: a token, the secrets, the flows (the order flow and a 30-step one)
  const data = path.join(dir, 'data'), flows = path.join(dir, 'flows');
  fs.mkdirSync(flows);
  const token = run(['token', 'create', '--name', 'console', '--data', data]).trim().split('\n').pop();
  run(['secret', 'set', 'vendor_token', '--data', data], VENDOR_TOKEN);
  run(['secret', 'set', 'hook_secret', '--data', data], HOOK_SECRET);
  fs.copyFileSync(path.join(here, 'order.flow'), path.join(flows, 'order.flow'));
  fs.writeFileSync(path.join(flows, 'big.flow'), bigFlow());
  const srv = await serve(data, ['--flows', flows], {VENDOR_URL: vendorUrl});
  const apiCall = async (method, p, body) => {
    const r = await fetch(srv.base + p, {method, headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body)});
    return {status: r.status, body: await r.json().catch(() => null)};
  };
  await eventually('both flows deployed', async () => (await apiCall('GET', '/v1/flows')).body?.flows?.length === 2);

  // ---- the assets: types, CSP, no token needed; an unknown file is 404
  const idx = await fetch(srv.base + '/ui');
  check(idx.status === 200 && idx.headers.get('content-type').startsWith('text/html'), '/ui serves the page without a token');
  check(/script-src 'self'/.test(idx.headers.get('content-security-policy') || ''), '/ui has a strict Content-Security-Policy');
  const html = await idx.text();
  check(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'the page has no inline script');
  check((await fetch(srv.base + '/ui/nope.js')).status === 404, 'an unknown /ui file is 404');

  // ---- a signed webhook starts an execution that fails at `charge`
  const payload = JSON.stringify({id: 'A-17'});
  const sig = 'sha256=' + createHmac('sha256', HOOK_SECRET).update(payload).digest('hex');
  const hook = await fetch(srv.base + '/hooks/orders', {method: 'POST', body: payload,
    headers: {'Content-Type': 'application/json', 'X-Signature': sig}});
  check(hook.status === 202, `the signed webhook is accepted (${hook.status})`);
  const execId = (await hook.json()).execution_id;
  await eventually('the execution fails', async () => (await apiCall('GET', `/v1/executions/${execId}`)).body.status === 'failed');
  // The 30-step flow runs to completion.
  const big = await apiCall('POST', '/v1/flows/big/executions', {input: {id: 'B-1'}});
  await eventually('the 30-step execution completes', async () =>
    (await apiCall('GET', `/v1/executions/${big.body.id}`)).body.status === 'completed');

  // ---- the browser
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: {width: 1280, height: 800},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  cleanup.push(() => ctx.close());
  page = ctx.pages()[0] || await ctx.newPage();
  const consoleErrors = [];
  // Refused API calls (401 at login, 409 for the refused signal) are logged by the browser itself.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({path: path.join(out, name + '.png'), fullPage: true});
  const noOverflow = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  // Log in: a wrong token is refused, the right one is kept for the tab.
  await page.goto(srv.base + '/ui');
  await page.locator('form.login').waitFor();
  await shot('login');
  await page.fill('#token', 'weft_wrong');
  await page.press('#token', 'Enter');
  await page.locator('#login-error', {hasText: 'not valid'}).waitFor();
  check(true, 'a wrong token is refused with a message');
  await page.fill('#token', token);
  await page.press('#token', 'Enter');

  // The executions list shows the failed one; Enter on its row opens it.
  const row = page.locator(`#executions tr[data-id="${execId}"]`);
  await row.waitFor();
  check(await row.getAttribute('data-status') === 'failed', 'the execution is listed as failed');
  check(await noOverflow(), 'executions page: no horizontal overflow at 1280×800');
  await shot('executions');
  // Live: an execution started meanwhile appears without a reload.
  const later = await apiCall('POST', '/v1/flows/big/executions', {input: {id: 'B-2'}});
  await page.locator(`#executions tr[data-id="${later.body.id}"]`).waitFor({timeout: 8000});
  check(true, 'the list shows a new execution by itself (live polling)');
  // A time filter after every creation leaves nothing.
  await page.fill('#f-since', '2999-01-01T00:00');
  await page.click('.filters button[type=submit]');
  await page.locator('#executions', {hasText: 'No execution matches'}).waitFor();
  check(page.url().includes('since=2999-'), 'the creation-time filter is applied');
  await page.fill('#f-since', '');
  await page.click('.filters button[type=submit]');
  await row.waitFor();
  // Filter by status: only failed ones remain.
  await page.selectOption('#f-status', 'failed');
  await page.waitForFunction(() => location.hash.includes('status=failed'));
  await page.locator(`#executions tr[data-id="${execId}"]`).waitFor();
  check(await page.locator(`#executions tr[data-id="${big.body.id}"]`).count() === 0, 'the status filter hides the completed execution');
  await page.locator(`#executions tr[data-id="${execId}"]`).focus();
  await page.keyboard.press('Enter');

  // One execution: the failed step is highlighted in the graph; its request and result are shown, redacted.
  await page.locator('#graph svg').waitFor();
  const failedNode = page.locator('#graph .node[data-step="charge"]');
  await failedNode.waitFor();
  check(await failedNode.getAttribute('data-state') === 'failed', 'the graph marks `charge` failed');
  check(await page.locator('#graph .node[data-step="fetch"]').getAttribute('data-state') === 'completed', 'the graph marks `fetch` completed');
  check(await page.locator('#timeline tr[data-type="StepRetrying"]').count() >= 1, 'the timeline shows the retry');
  await page.locator('#graph .node[data-step="fetch"]').click();
  await page.locator('#step-detail', {hasText: 'Result'}).waitFor();
  const detail = await page.locator('#step-detail').innerText();
  check(detail.includes('A-17') && !detail.includes(VENDOR_TOKEN), 'the step panel shows the result with the secret redacted');
  await failedNode.focus();
  await page.keyboard.press('Enter');
  await page.locator('#step-detail', {hasText: 'charge'}).waitFor();
  check((await page.locator('#step-detail').innerText()).includes('Request body'), 'Enter on a step shows its recorded request');
  check(await noOverflow(), 'execution page: no horizontal overflow at 1280×800');
  await shot('execution-failed');

  // A refused action shows the API's error: a signal to a failed execution is 409.
  await page.fill('#signal-name', 'approved');
  await page.fill('#signal-payload', '{"by": "ann"}');
  page.once('dialog', (d) => d.accept());
  await page.click('#signal');
  await page.locator('#action-msg', {hasText: '409'}).waitFor();
  check(true, 'a refused signal shows the API error (409)');
  // Dismissing the confirmation sends nothing.
  page.once('dialog', (d) => d.dismiss());
  await page.click('#replay');
  await sleep(300);
  check((await apiCall('GET', `/v1/executions/${execId}`)).body.status === 'failed', 'a dismissed confirmation does not replay');

  // The vendor recovers; replay from `charge` after confirming; the page follows it to completed.
  charging = true;
  await page.selectOption('#replay-from', 'charge');
  page.once('dialog', (d) => d.accept());
  await page.click('#replay');
  await page.locator('h1 .badge', {hasText: 'completed'}).waitFor({timeout: 20000});
  check(true, 'after the replay the page shows the execution completed');
  check(await page.locator('#timeline tr[data-type="ReplayRequested"]').count() === 1, 'the timeline marks the replay');
  check(await page.locator('#timeline tr.superseded').count() >= 1, 'the timeline marks superseded events');
  check(await page.locator('#graph .node[data-step="charge"]').getAttribute('data-state') === 'completed', 'the graph shows `charge` completed');
  await shot('execution-replayed');
  const utcTitle = await page.locator('.facts time').first().getAttribute('title');
  check(/UTC$/.test(utcTitle || ''), 'times carry their UTC value in a title');

  // Flows: triggers with the webhook path and the schedule's next fire time; success rate.
  await page.goto(srv.base + '/ui#/flows');
  const flowRow = page.locator('#flows tr[data-flow="order"]');
  await flowRow.waitFor();
  const flowText = await flowRow.innerText();
  check(flowText.includes('/hooks/orders') && flowText.includes('next') && flowText.includes('100 %'),
    'flows page: webhook path, next schedule fire and success rate');
  check(await noOverflow(), 'flows page: no horizontal overflow at 1280×800');
  await shot('flows');

  // The 30-step graph: every step drawn, no two nodes overlapping.
  await page.goto(srv.base + `/ui#/executions/${big.body.id}`);
  await page.locator('#graph svg').waitFor();
  check(await page.locator('#graph .node.k-box').count() === 30, '30-step graph: 30 step nodes');
  const boxes = await page.$$eval('#graph .node[data-step]', (ns) => ns.map((n) => n.getBBox()).map((b) => ({x: b.x, y: b.y, w: b.width, h: b.height})));
  const overlap = boxes.some((a, i) => boxes.some((b, j) => j > i && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h));
  check(boxes.length >= 30 && !overlap, `30-step graph: ${boxes.length} nodes, none overlapping`);
  check(await page.locator('#graph .node[data-state="completed"]').count() === 25, '30-step graph: the 25 steps that ran are completed');
  await shot('graph-30-steps');
  await page.locator('#graph').screenshot({path: path.join(out, 'graph-30-steps-only.png')});

  // A `fail` statement records no event of its own: the graph still marks it failed and current.
  const stopSrc = 'flow stop() -> json {\n  fail "refused by policy"\n}\n';
  check((await apiCall('POST', '/v1/modules', {source: stopSrc, name: 'stop.flow'})).status === 200, 'deploys a flow that fails');
  const stop = await apiCall('POST', '/v1/flows/stop/executions', {input: {}});
  await eventually('the `fail` execution fails', async () =>
    (await apiCall('GET', `/v1/executions/${stop.body.id}`)).body.status === 'failed');
  await page.goto(srv.base + `/ui#/executions/${stop.body.id}`);
  const failNode = page.locator('#graph .node[data-step="fail"]');
  await failNode.waitFor();
  check(await failNode.getAttribute('data-state') === 'failed', 'the graph marks the `fail` statement failed');
  check(/\bcurrent\b/.test(await failNode.getAttribute('class') || ''), 'the `fail` statement is the current step');

  // Phone width: no page overflow on any page.
  await page.setViewportSize({width: 375, height: 740});
  for (const [name, hash, ready] of [['flows', '#/flows', '#flows'], ['executions', '#/executions', '#executions'],
    ['execution', `#/executions/${execId}`, '#graph svg']]) {
    await page.goto(srv.base + '/ui' + hash);
    await page.locator(ready).waitFor();
    await sleep(200);
    check(await noOverflow(), `${name} page: no horizontal overflow at 375px`);
    await shot(`${name}-375`);
  }
  check(consoleErrors.length === 0, `no errors in the browser console ${consoleErrors.join(' | ')}`);
  const pageHtml = await page.content();
  check(!pageHtml.includes(VENDOR_TOKEN) && !pageHtml.includes(HOOK_SECRET), 'no secret value reached the browser');

  // --insecure-no-auth on loopback: the console skips the login.
  const open = await serve(path.join(dir, 'open'), ['--insecure-no-auth'], {});
  await page.goto(open.base + '/ui');
  await page.locator('#executions').waitFor();
  check(await page.locator('form.login').count() === 0, 'with --insecure-no-auth the login is skipped');
  console.log(`browser test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function bigFlow() {
  const s = [];
  const step = (i) => `  step s${String(i).padStart(2, '0')} = vendor.get<json>("/orders/${i}")`;
  for (let i = 1; i <= 10; i++) s.push(step(i));
  s.push('  if s10.body.total > 10 {');
  for (let i = 11; i <= 15; i++) s.push('  ' + step(i));
  s.push('  } else {');
  for (let i = 16; i <= 20; i++) s.push('  ' + step(i));
  s.push('  }');
  for (let i = 21; i <= 30; i++) s.push(step(i));
  return `// 30 steps with a branch: the console's graph must stay readable.
connection vendor = http {
  base_url: env("VENDOR_URL") ?? "http://127.0.0.1:9"
  auth: bearer(secret("vendor_token"))
}

flow big(id: string) -> json {
${s.join('\n')}
  return { steps: 30 }
}
`;
}

const watchdog = setTimeout(() => { console.log('FAIL the test took over 150 s'); process.exit(1); }, 150000);
try {
  await main();
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
  failures++;
  if (page) await page.screenshot({path: path.join(out, 'failure.png'), fullPage: true}).catch(() => {});
} finally {
  for (const f of cleanup.reverse()) { try { await f(); } catch { /* already gone */ } }
  clearTimeout(watchdog);
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
