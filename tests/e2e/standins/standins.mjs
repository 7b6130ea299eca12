// Third-party stand-ins for the examples (issue 14), all on 127.0.0.1 free ports, all from
// packages: json-server 0.17.4 (CRM, marketing, accounting customers, projects, warehouses, with
// auth.js), WireMock (npm `wiremock`, on Java) in front of everything — it proxies what json-server
// owns, answers the other APIs from stubs, injects faults and keeps the request journal —
// oauth2-mock-server (the shipping API's token endpoint) and nginx terminating HTTPS (a certificate
// made here with openssl) in front of WireMock for the shipping API. Plus the real `weft serve`.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

export const WEFT = process.env.WEFT_BINARY;
export const SOURCE = process.env.WEFT_SOURCE_DIR;
export const NODE_MODULES = process.env.STANDINS_NODE_MODULES;

/// Every process started here, killed (by PID) when this process exits, even on failure: SIGKILL,
/// but nginx's master gets SIGTERM so that it stops its worker too.
const children = new Set();
process.on('exit', () => {
  for (const c of children) { try { process.kill(c.pid, c.exitSignal ?? 'SIGKILL'); } catch {} }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// A free TCP port on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/// Polls `fn` (async, truthy when done) every 100 ms for at most `ms`; throws `what` on timeout.
export async function eventually(fn, ms, what) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}` + (last instanceof Error ? `: ${last.message}` : ''));
}

/// Starts a process with its output in `dir/name.{out,err}`; returns the child.
function start(dir, name, cmd, args, env = {}) {
  const out = fs.openSync(path.join(dir, `${name}.out`), 'a');
  const err = fs.openSync(path.join(dir, `${name}.err`), 'a');
  const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, err] });
  fs.closeSync(out); fs.closeSync(err);
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}

/// Stops a child with `sig` and waits for its exit.
export async function stop(child, sig = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  try { process.kill(child.pid, sig); } catch { return; }
  await done;
}

/// One HTTP request; answers {status, headers, body (parsed JSON when it is), text}.
export async function http(method, url, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['content-type'] ??= 'application/json'; }
  const r = await fetch(url, init);
  const text = await r.text();
  let json; try { json = text ? JSON.parse(text) : null; } catch { json = undefined; }
  return { status: r.status, headers: r.headers, body: json, text };
}

/// The secrets of every example: the same values go to Weft (`weft secret set`) and to the stand-ins.
export const SECRETS = {
  crm_token: 'crm-e2e-token', marketing_key: 'marketing-e2e-key', accounting_password: 'accounting-e2e-pw',
  crm_hook: 'crm-hook-secret', payments_token: 'payments-e2e-token', inventory_key: 'inventory-e2e-key',
  shipping_client_secret: 'shipping-e2e-secret', mail_token: 'mail-e2e-token',
  shop_hook: 'whsec_' + Buffer.from('shop-hook-secret-32-bytes-long!!').toString('base64'),
  projects_token: 'projects-e2e-token', shop_token: 'shop-e2e-token', chat_token: 'chat-e2e-token',
  archive_key: 'archive-e2e-key', github_token: 'ghp_e2e-github-token',
};

/// The json-server database the test starts from.
export function seedDb() {
  return {
    contacts: [
      { id: '42', firstName: 'Ada', lastName: 'Lovelace', email: 'ADA@EXAMPLE.COM', company: 'Analytical Engines',
        tags: ['vip', 'internal:imported'] },
    ],
    tickets: [],
    subscribers: [{ id: 'ada@example.com', fullName: 'A. Lovelace', email: 'ada@example.com', source: 'crm', tags: [] }],
    customers: [{ id: 'seed', name: 'Seed', email: 'seed@example.com', reference: 'seed', company: null }],
    projects: [{ id: 'p-1', name: 'Website', client_id: 'c-1', hours: 10.0, rate: 95.0, manager_email: 'm@example.com' },
               { id: 'p-2', name: 'App', client_id: 'c-2', hours: 1.5, rate: 100.0, manager_email: 'm@example.com' }],
    warehouses: [
      { id: 'w-1', country: 'DE', stock: { A: 0, B: 3 } },
      { id: 'w-2', country: 'DE', stock: { A: 5, B: 5 } },
      { id: 'w-3', country: 'FR', stock: { A: 50 } },
    ],
  };
}

/// The stubs WireMock answers with (priority 5); everything else is proxied to json-server (10).
export function baseStubs(jsonServerUrl) {
  const tpl = (status, body, extra = {}) => ({ status, jsonBody: body, headers: { 'Content-Type': 'application/json' },
                                                transformers: ['response-template'], ...extra });
  const bearer = (t) => ({ Authorization: { equalTo: `Bearer ${t}` } });
  return [
    { priority: 10, request: { urlPattern: '/(contacts|tickets|subscribers|customers|projects|warehouses)(/.*|\\?.*)?' },
      response: { proxyBaseUrl: jsonServerUrl } },
    // payments (order_fulfilment)
    { priority: 5, request: { method: 'POST', urlPath: '/charges', headers: bearer(SECRETS.payments_token) },
      response: tpl(201, { id: "pay-{{jsonPath request.body '$.order_id'}}", status: 'captured' }) },
    { priority: 5, request: { method: 'POST', urlPathPattern: '/charges/[^/]+/refund', headers: bearer(SECRETS.payments_token) },
      response: tpl(200, { refunded: true }) },
    // inventory reservations (order_fulfilment)
    { priority: 5, request: { method: 'POST', urlPathPattern: '/warehouses/[^/]+/reservations',
                              headers: { 'X-Api-Key': { equalTo: SECRETS.inventory_key } } },
      response: tpl(201, { reserved: true }) },
    { priority: 5, request: { method: 'DELETE', urlPathPattern: '/warehouses/[^/]+/reservations/[^/]+',
                              headers: { 'X-Api-Key': { equalTo: SECRETS.inventory_key } } },
      response: { status: 204 } },
    // shipping (behind nginx; the bearer is a JWT from oauth2-mock-server)
    { priority: 5, request: { method: 'POST', urlPath: '/shipments',
                              headers: { Authorization: { matches: 'Bearer [\\w-]+\\.[\\w-]+\\.[\\w-]+' } } },
      response: tpl(201, { id: "sh-{{jsonPath request.body '$.reference'}}",
                           tracking_url: "https://track.example/{{jsonPath request.body '$.reference'}}" }) },
    // a SendGrid-style mail API (order confirmations, invoice approvals): 202, no body
    { priority: 5, request: { method: 'POST', urlPath: '/v3/mail/send', headers: bearer(SECRETS.mail_token) },
      response: { status: 202 } },
    // accounting invoices (project_invoice)
    { priority: 5, request: { method: 'POST', urlPath: '/invoices',
                              headers: { Authorization: { equalTo: 'Basic ' + Buffer.from('weft:' + SECRETS.accounting_password).toString('base64') } } },
      response: tpl(201, { id: "inv-{{jsonPath request.body '$.client_id'}}", number: "2026-{{jsonPath request.body '$.client_id'}}",
                           total: 0.0 }) },
    { priority: 5, request: { method: 'POST', urlPathPattern: '/invoices/[^/]+/issue' },
      response: tpl(200, { id: '{{request.pathSegments.[1]}}', number: 'issued-{{request.pathSegments.[1]}}', total: 0.0 }) },
    { priority: 5, request: { method: 'POST', urlPathPattern: '/invoices/[^/]+/void' }, response: tpl(200, { voided: true }) },
    // inventory changes (poll_changes; nothing changed unless a test says otherwise), stock levels, the shop
    { priority: 9, request: { method: 'GET', urlPath: '/stock/changes', queryParameters: { api_key: { equalTo: SECRETS.inventory_key } } },
      response: { status: 200, body: '{"items": []}', headers: { 'Content-Type': 'application/json' } } },
    { priority: 5, request: { method: 'GET', urlPathPattern: '/stock/(?!changes$)[^/]+', queryParameters: { api_key: { equalTo: SECRETS.inventory_key } } },
      response: tpl(200, { sku: '{{request.pathSegments.[1]}}', total: 7 }) },
    { priority: 5, request: { method: 'PUT', urlPathPattern: '/products/[^/]+/inventory', headers: bearer(SECRETS.shop_token) },
      response: tpl(200, { ok: true }) },
    // the shop's orders, team chat and archive (scheduled_report)
    { priority: 5, request: { method: 'GET', urlPath: '/orders', headers: bearer(SECRETS.shop_token) },
      response: tpl(200, [
        { id: '1', country: 'DE', total: 10.0, status: 'paid' }, { id: '2', country: 'DE', total: 5.5, status: 'paid' },
        { id: '3', country: 'FR', total: 7.0, status: 'refunded' }, { id: '4', country: 'AT', total: 20.0, status: 'paid' }]) },
    { priority: 5, request: { method: 'POST', urlPath: '/channels/sales/messages', headers: bearer(SECRETS.chat_token) },
      response: tpl(200, { ok: true }) },
    { priority: 5, request: { method: 'PUT', urlPathPattern: '/reports/daily/[^/]+', headers: { 'X-Api-Key': { equalTo: SECRETS.archive_key } } },
      response: tpl(201, { stored: true }) },
  ];
}

/// The stand-ins, started once per test binary.
export class StandIns {
  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-standins-'));
    const [js, wm, oa, ng] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    this.ports = { js, wm, oa, ng };
    // json-server with the auth middleware
    fs.writeFileSync(path.join(this.dir, 'db.json'), JSON.stringify(seedDb(), null, 2));
    this.jsonServer = start(this.dir, 'json-server', process.execPath,
      [path.join(NODE_MODULES, 'json-server/lib/cli/bin.js'), path.join(this.dir, 'db.json'), '--host', '127.0.0.1',
       '--port', String(js), '--quiet', '--no-gzip', '--middlewares', path.join(SOURCE, 'tests/e2e/standins/auth.js')],
      { CRM_TOKEN: SECRETS.crm_token, MARKETING_KEY: SECRETS.marketing_key, ACCOUNTING_PASSWORD: SECRETS.accounting_password,
        PROJECTS_TOKEN: SECRETS.projects_token, INVENTORY_KEY: SECRETS.inventory_key });
    // WireMock (the jar the npm package ships), response templating on, journal in memory
    const jar = fs.readdirSync(path.join(NODE_MODULES, 'wiremock/build')).find((f) => f.endsWith('.jar'));
    fs.mkdirSync(path.join(this.dir, 'wiremock/mappings'), { recursive: true });
    this.wiremock = start(this.dir, 'wiremock', 'java',
      ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-jar', path.join(NODE_MODULES, 'wiremock/build', jar),
       '--port', String(wm), '--bind-address', '127.0.0.1', '--root-dir', path.join(this.dir, 'wiremock'),
       '--disable-banner', '--container-threads', '40', '--async-response-enabled', 'true']);
    // oauth2-mock-server
    this.oauth = start(this.dir, 'oauth2', process.execPath,
      [path.join(NODE_MODULES, 'oauth2-mock-server/dist/oauth2-mock-server.mjs'), '-a', '127.0.0.1', '-p', String(oa)]);
    // nginx: HTTPS with a certificate made here, in front of WireMock
    this.certFile = this.makeCert();
    this.nginx = this.startNginx();
    this.wmUrl = `http://127.0.0.1:${wm}`;
    this.jsUrl = `http://127.0.0.1:${js}`;
    this.oauthUrl = `http://127.0.0.1:${oa}`;
    this.httpsUrl = `https://127.0.0.1:${ng}`;
    await eventually(async () => (await http('GET', `${this.wmUrl}/__admin/health`)).status === 200, 60000, 'WireMock');
    await eventually(async () => (await http('GET', `${this.jsUrl}/contacts/42`,
      { headers: { authorization: 'Bearer ' + SECRETS.crm_token } })).status === 200, 20000, 'json-server');
    await eventually(async () => (await http('GET', `${this.oauthUrl}/jwks`)).status === 200, 20000, 'oauth2-mock-server');
    await eventually(() => new Promise((res) => {
      const s = net.connect(ng, '127.0.0.1', () => { s.end(); res(true); });
      s.on('error', () => res(false));
    }), 20000, 'nginx');
    await this.resetStubs();
  }

  makeCert() {
    const cert = path.join(this.dir, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(this.dir, 'key.pem'), '-out', cert], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('openssl: ' + r.stderr);
    return cert;
  }

  startNginx() {
    const t = path.join(this.dir, 'nginx');
    fs.mkdirSync(t, { recursive: true });
    const user = process.getuid() === 0 ? 'user root;\n' : '';
    fs.writeFileSync(path.join(t, 'nginx.conf'), `${user}daemon off;
worker_processes 1;
pid ${t}/nginx.pid;
error_log ${t}/error.log warn;
events { worker_connections 512; }
http {
  access_log ${t}/access.log;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  server {
    listen 127.0.0.1:${this.ports.ng} ssl;
    ssl_certificate ${this.dir}/cert.pem;
    ssl_certificate_key ${this.dir}/key.pem;
    location / { proxy_pass http://127.0.0.1:${this.ports.wm}; proxy_set_header Host $host; proxy_http_version 1.1; }
  }
}
`);
    const bin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
    const c = start(this.dir, 'nginx', bin, ['-p', t, '-e', `${t}/error.log`, '-c', path.join(t, 'nginx.conf')]);
    c.exitSignal = 'SIGTERM';
    return c;
  }

  /// Back to the base stubs, an empty journal and the seeded json-server data (stubs only; json-server keeps its data).
  async resetStubs() {
    await http('POST', `${this.wmUrl}/__admin/mappings/reset`);
    await http('DELETE', `${this.wmUrl}/__admin/mappings`);
    for (const s of baseStubs(this.jsUrl)) {
      const r = await http('POST', `${this.wmUrl}/__admin/mappings`, { body: s });
      if (r.status !== 201) throw new Error(`stub refused: ${r.text}`);
    }
    await http('POST', `${this.wmUrl}/__admin/scenarios/reset`);
    await http('DELETE', `${this.wmUrl}/__admin/requests`);
  }

  /// Adds one WireMock stub; answers its id.
  async stub(s) {
    const r = await http('POST', `${this.wmUrl}/__admin/mappings`, { body: s });
    if (r.status !== 201) throw new Error(`stub refused: ${r.text}`);
    return r.body.id;
  }

  async removeStub(id) { await http('DELETE', `${this.wmUrl}/__admin/mappings/${id}`); }

  /// WireMock's request journal, oldest first, optionally only `method` on paths matching `re`.
  async journal(method, re) {
    const r = await http('GET', `${this.wmUrl}/__admin/requests?limit=100000`);
    return r.body.requests.map((e) => e.request).reverse()
      .filter((q) => (!method || q.method === method) && (!re || re.test(q.url)))
      .map((q) => ({ ...q, json: (() => { try { return JSON.parse(q.body); } catch { return undefined; } })(),
                     header: (n) => { const k = Object.keys(q.headers).find((h) => h.toLowerCase() === n.toLowerCase());
                                      return k ? q.headers[k] : undefined; } }));
  }

  /// A json-server record, read directly (with the collection's credentials).
  async record(collection, id) {
    const auth = { contacts: { authorization: 'Bearer ' + SECRETS.crm_token }, tickets: { authorization: 'Bearer ' + SECRETS.crm_token },
                   subscribers: { 'x-api-key': SECRETS.marketing_key },
                   customers: { authorization: 'Basic ' + Buffer.from('weft:' + SECRETS.accounting_password).toString('base64') } };
    return http('GET', `${this.jsUrl}/${collection}${id === undefined ? '' : '/' + encodeURIComponent(id)}`,
                { headers: auth[collection] });
  }

  /// Verifies a JWT against oauth2-mock-server's JWKS; answers its payload.
  async verifyJwt(token) {
    const [h, p, s] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const jwks = (await http('GET', `${this.oauthUrl}/jwks`)).body.keys;
    const jwk = jwks.find((k) => k.kid === header.kid) ?? jwks[0];
    const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }),
                             Buffer.from(s, 'base64url'));
    if (!ok) throw new Error('JWT signature does not verify against the token server');
    return JSON.parse(Buffer.from(p, 'base64url'));
  }

  /// The environment that points every example connection at the stand-ins.
  env() {
    const wm = this.wmUrl;
    return { CRM_URL: wm, MARKETING_URL: wm, ACCOUNTING_URL: wm, PAYMENTS_URL: wm, INVENTORY_URL: wm, MAIL_URL: wm,
             SHIPPING_URL: this.httpsUrl, SHIPPING_TOKEN_URL: `${this.oauthUrl}/token`, SHIPPING_CA_FILE: this.certFile,
             PROJECTS_URL: wm, SHOP_URL: wm, CHAT_URL: wm, ARCHIVE_URL: wm, GITHUB_URL: wm };
  }

  async stopAll() {
    await Promise.all([stop(this.nginx, 'SIGQUIT'), stop(this.oauth), stop(this.jsonServer), stop(this.wiremock)]);
    if (!process.env.KEEP_STANDINS_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/// The examples as `weft serve --flows` deploys them, with their OpenAPI documents (`specs/`);
/// `poll_changes` polls every second instead of every 5 minutes (the only change, so a test sees
/// several polls).
export function flowsDir(into) {
  fs.mkdirSync(into, { recursive: true });
  for (const f of fs.readdirSync(path.join(SOURCE, 'examples')).filter((f) => f.endsWith('.flow'))) {
    let text = fs.readFileSync(path.join(SOURCE, 'examples', f), 'utf8');
    if (f === 'poll_changes.flow') text = text.replace(') every 5m {', ') every 1s {');
    fs.writeFileSync(path.join(into, f), text);
  }
  // the OpenAPI documents that `openapi` connections read, relative to the .flow files
  fs.cpSync(path.join(SOURCE, 'examples/specs'), path.join(into, 'specs'), { recursive: true });
  return into;
}

/// The real `weft serve` on a data directory that holds the examples' secrets and one API token.
export class Weft {
  constructor(dir, env) { if (dir) this.init(dir, env); }

  /// Where it keeps its data and logs, and the environment it runs with.
  init(dir, env) { this.dir = dir; this.env = env; this.data = path.join(dir, 'data'); this.count = 0; }

  cli(args, input) {
    const r = spawnSync(WEFT, [...args, '--data', this.data], { input, encoding: 'utf8', env: { ...process.env, ...this.env } });
    if (r.status !== 0) throw new Error(`weft ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  setup() {
    fs.mkdirSync(this.data, { recursive: true });
    for (const [k, v] of Object.entries(SECRETS)) this.cli(['secret', 'set', k], v);
    this.token = this.cli(['token', 'create', '--name', 'e2e']).split('\n')[0];
    this.flows = flowsDir(path.join(this.dir, 'flows'));
  }

  /// Starts `weft serve --flows` and waits until it listens.
  async start() {
    const n = ++this.count;
    this.errFile = path.join(this.dir, `serve${n}.err`);
    this.proc = start(this.dir, `serve${n}`, WEFT,
      ['serve', '--data', this.data, '--listen', '127.0.0.1:0', '--flows', this.flows], this.env);
    const port = await eventually(() => {
      if (this.proc.exitCode !== null) throw new Error('weft serve exited: ' + fs.readFileSync(this.errFile, 'utf8'));
      const m = fs.readFileSync(this.errFile, 'utf8').match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      return m ? Number(m[1]) : 0;
    }, 30000, 'weft serve to listen');
    this.url = `http://127.0.0.1:${port}`;
  }

  log() { return fs.readFileSync(this.errFile, 'utf8'); }
  async kill9() { await stop(this.proc, 'SIGKILL'); }
  async stop() { await stop(this.proc, 'SIGTERM'); }

  api(method, p, body) { return http(method, this.url + p, { body, headers: { authorization: 'Bearer ' + this.token } }); }

  /// Waits until execution `id` ends; answers its record.
  async ended(id, ms = 30000) {
    return eventually(async () => {
      const r = await this.api('GET', `/v1/executions/${id}`);
      return r.status === 200 && !['running', 'queued'].includes(r.body.status) ? r.body : null;
    }, ms, `execution ${id} to end`);
  }

  async history(id) { return (await this.api('GET', `/v1/executions/${id}/history`)).body.events; }

  /// Every execution of `flow` (all pages).
  async executions(flow) {
    const out = [];
    let cursor = null;
    do {
      const q = `/v1/executions?flow=${flow}&limit=1000` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
      const r = await this.api('GET', q);
      if (r.status !== 200) throw new Error(`list: ${r.status} ${r.text}`);
      out.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    return out;
  }

  /// The CRM's signed webhook (hmac_sha256, `X-Signature: sha256=<hex>`).
  crmWebhook(contact) {
    const raw = JSON.stringify(contact);
    const sig = 'sha256=' + crypto.createHmac('sha256', SECRETS.crm_hook).update(raw).digest('hex');
    return http('POST', `${this.url}/hooks/crm/contact-updated`,
                { raw, headers: { 'content-type': 'application/json', 'x-signature': sig } });
  }

  /// The shop's Standard Webhooks delivery of an order (`webhook-id` dedups redeliveries).
  shopWebhook(order, id = `msg-${order.id}`) {
    const raw = JSON.stringify(order);
    const ts = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(SECRETS.shop_hook.slice('whsec_'.length), 'base64');
    const sig = crypto.createHmac('sha256', key).update(`${id}.${ts}.${raw}`).digest('base64');
    return http('POST', `${this.url}/hooks/shop/orders`, { raw, headers: {
      'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` } });
  }
}

/// Registers the node:test hooks of a test file: before its tests, the stand-ins and `weft serve`
/// (data in a fresh folder /tmp/PREFIX*); after them, both stopped and the folders removed (kept
/// with KEEP_STANDINS_DIR=1). Answers {s, weft}, both usable once the hook ran.
export function useStandIns(prefix) {
  const ctx = { s: new StandIns(), weft: new Weft(), dir: null };
  before(async () => {
    await ctx.s.start();
    ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    ctx.weft.init(ctx.dir, ctx.s.env());
    ctx.weft.setup();
    await ctx.weft.start();
  });
  after(async () => {
    await ctx.weft.stop();
    await ctx.s.stopAll();
    if (ctx.dir && !process.env.KEEP_STANDINS_DIR) fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}
