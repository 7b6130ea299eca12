// e2e_standins: every example against real third-party stand-ins (issue 14 item 1). The stand-ins
// start once for the file; each scenario runs the real `weft serve --flows` with the examples and
// reads the results back from the receiving servers (json-server records, WireMock's journal).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { SECRETS, SOURCE, eventually, sleep, useStandIns } from './standins.mjs';

const { s, weft } = useStandIns('weft-scenarios-');

/// Which scenarios (the `scenario` blocks below) run each `examples/*.flow` (issue 14: every example
/// runs in at least one). The guard at the end fails naming an example missing here, and one whose
/// flows never ran; a new example needs a scenario and a line here.
const COVERAGE = {
  'crm_contact_sync.flow': ['crm_contact_sync', 'outage'],
  'order_fulfilment.flow': ['order_fulfilment'],
  'project_invoice.flow': ['project_invoice'],
  'scheduled_report.flow': ['scheduled_report'],
  'github_issues_to_crm.flow': ['github_issues_to_crm'],
  'poll_changes.flow': ['poll_changes'],
};
const SCENARIOS = new Set();
/// A scenario: a `describe` block whose name COVERAGE may list.
const scenario = (name, fn) => { SCENARIOS.add(name); describe(name, fn); };

const order = (id, lines, country = 'DE') => ({
  id, customer_email: `${id}@example.com`, currency: 'EUR', lines,
  address: { street: 'Main 1', city: 'Berlin', zip: '10115', country },
});

scenario('crm_contact_sync', () => {
  test('a signed CRM webhook updates the marketing subscriber and creates the accounting customer', async () => {
    const r = await weft.crmWebhook({ id: '42', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', tags: [] });
    assert.equal(r.status, 202, r.text);
    const ex = await weft.ended(r.body.execution_id);
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    // marketing (json-server): the seeded subscriber now has the mapped full name, internal tags dropped
    const sub = (await s.record('subscribers', 'ada@example.com')).body;
    assert.equal(sub.fullName, 'Ada Lovelace');
    assert.deepEqual(sub.tags, ['vip']);
    assert.equal(ex.output.subscriber_id, 'ada@example.com');
    // accounting (json-server): a new customer with the CRM reference
    const cust = (await s.record('customers', ex.output.customer_id)).body;
    assert.equal(cust.name, 'Ada Lovelace');
    assert.equal(cust.reference, 'crm-42');
    assert.equal(cust.email, 'ada@example.com');
    assert.equal(cust.company, 'Analytical Engines');
  });

  test('a webhook with a wrong signature is refused and starts nothing', async () => {
    const before = (await weft.executions('sync_contact')).length;
    const raw = JSON.stringify({ id: '42' });
    const r = await fetch(`${weft.url}/hooks/crm/contact-updated`, { method: 'POST', body: raw,
      headers: { 'content-type': 'application/json', 'x-signature': 'sha256=' + '0'.repeat(64) } });
    assert.equal(r.status, 401);
    assert.equal((await weft.executions('sync_contact')).length, before);
  });

  test('a contact missing from the CRM fails with code gone and writes nothing', async () => {
    await s.resetStubs();
    const r = await weft.crmWebhook({ id: '404', firstName: 'No', lastName: 'Body', email: 'no@example.com', tags: [] });
    const ex = await weft.ended(r.body.execution_id);
    assert.equal(ex.status, 'failed');
    assert.match(JSON.stringify(ex.error), /gone/);
    assert.equal((await s.journal(null, /subscribers|customers/)).length, 0);
  });
});

scenario('order_fulfilment', () => {
  test('a paid order reserves at the warehouse with stock, ships over HTTPS with an OAuth2 token, mails the customer', async () => {
    await s.resetStubs();
    const r = await weft.shopWebhook(order('o-100', [{ sku: 'A', qty: 2, price: 9.5 }]));
    assert.equal(r.status, 202, r.text);
    const ex = await weft.ended(r.body.execution_id);
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    assert.deepEqual(ex.output, { payment_id: 'pay-o-100', shipment_id: 'sh-o-100' });
    const charges = await s.journal('POST', /^\/charges$/);
    assert.equal(charges.length, 1);
    assert.equal(charges[0].json.amount, 19.0);
    assert.equal(charges[0].header('Idempotency-Key'), `${ex.id}/payment`);
    // w-1 has no A: the reservation goes to w-2
    const res = await s.journal('POST', /reservations/);
    assert.deepEqual(res.map((q) => q.url), ['/warehouses/w-2/reservations']);
    // the shipment came through nginx (HTTPS) with a JWT that oauth2-mock-server signed
    const ship = await s.journal('POST', /^\/shipments$/);
    assert.equal(ship.length, 1);
    assert.equal(ship[0].json.from, 'w-2');
    const jwt = await s.verifyJwt(ship[0].header('Authorization').slice('Bearer '.length));
    assert.match(JSON.stringify(jwt.scope ?? jwt), /shipments\.write/);
    assert.match(fs.readFileSync(path.join(s.dir, 'nginx/access.log'), 'utf8'), /POST \/shipments/);
    // the confirmation email, from the mail API's journal
    const mails = await s.journal('POST', /^\/v3\/mail\/send$/);
    assert.equal(mails.length, 1);
    assert.equal(mails[0].json.personalizations[0].to[0].email, 'o-100@example.com');
    assert.equal(mails[0].json.personalizations[0].dynamic_template_data.tracking, 'https://track.example/o-100');
    assert.equal(mails[0].json.template_id, 'order-shipped');
    assert.equal((await s.journal(null, /refund|DELETE/)).length, 0);
  });

  test('a redelivered order webhook (same webhook-id) starts nothing new', async () => {
    const o = order('o-101', [{ sku: 'B', qty: 1, price: 3.0 }]);
    const a = await weft.shopWebhook(o, 'msg-dup');
    const b = await weft.shopWebhook(o, 'msg-dup');
    assert.equal(a.body.execution_id, b.body.execution_id);
    await weft.ended(a.body.execution_id);
  });

  test('a failing shipment API (500) refunds the payment and releases the reservation', async () => {
    await s.resetStubs();
    await s.stub({ priority: 1, request: { method: 'POST', urlPath: '/shipments' },
                   response: { status: 500, jsonBody: { error: 'carrier down' } } });
    const r = await weft.shopWebhook(order('o-102', [{ sku: 'A', qty: 1, price: 5.0 }]));
    const ex = await weft.ended(r.body.execution_id, 60000);
    assert.equal(ex.status, 'failed');
    const refunds = await s.journal('POST', /^\/charges\/pay-o-102\/refund$/);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].json.reason, 'fulfilment failed');
    assert.deepEqual((await s.journal('DELETE', /reservations/)).map((q) => q.url), ['/warehouses/w-2/reservations/o-102']);
    assert.equal((await s.journal('POST', /^\/v3\/mail\/send$/)).length, 0);
    const kinds = (await weft.history(ex.id)).map((e) => e.type);
    assert.ok(kinds.includes('CompensationCompleted'), kinds.join(','));
  });
});

scenario('project_invoice', () => {
  /// The newest execution of invoice_project, once the event has started one more than `n`.
  const started = (n) => eventually(async () => {
    const all = await weft.executions('invoice_project');
    return all.length > n ? all[0] : null;
  }, 15000, 'the project.completed event to start invoice_project');

  test('project completed (event) → draft → approval signal → issued', async () => {
    await s.resetStubs();
    const n = (await weft.executions('invoice_project')).length;
    const r = await weft.api('POST', '/v1/events', { type: 'project.completed', data: { project_id: 'p-1' } });
    assert.equal(r.status, 202, r.text);
    const ex = await started(n);
    // the manager is asked (mail API) before the flow waits for the signal
    await eventually(async () => (await s.journal('POST', /^\/v3\/mail\/send$/)).length === 1, 15000, 'the approval mail');
    const ask = (await s.journal('POST', /^\/v3\/mail\/send$/))[0].json;
    assert.equal(ask.personalizations[0].to[0].email, 'm@example.com');
    assert.match(ask.subject, /Approve invoice 2026-c-1/);
    const draft = (await s.journal('POST', /^\/invoices$/))[0];
    assert.equal(draft.json.lines[0].amount, 950.0);
    assert.equal(draft.header('Idempotency-Key'), `${ex.id}/draft`);
    const sig = await weft.api('POST', `/v1/executions/${ex.id}/signals/approval`,
                               { payload: { approved: true, approver: 'm@example.com' } });
    assert.equal(sig.status, 202, sig.text);
    const done = await weft.ended(ex.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual(done.output, { invoice: 'issued-inv-c-1', status: 'issued' });
    assert.equal((await s.journal('POST', /^\/invoices\/inv-c-1\/issue$/)).length, 1);
    assert.equal((await s.journal('POST', /void/)).length, 0);
  });

  test('no approval within the timeout voids the draft (expired)', async () => {
    await s.resetStubs();
    const r = await weft.api('POST', '/v1/flows/invoice_project/executions',
                             { input: { project_id: 'p-2', approval_timeout: 1500 } });
    assert.equal(r.status, 201, r.text);
    const done = await weft.ended(r.body.id, 20000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual(done.output, { invoice: '2026-c-2', status: 'expired' });
    assert.equal((await s.journal('POST', /^\/invoices\/inv-c-2\/void$/)).length, 1);
    assert.equal((await s.journal('POST', /issue/)).length, 0);
    const kinds = (await weft.history(done.id)).map((e) => e.type);
    assert.ok(kinds.includes('TimerFired'), kinds.join(','));
  });
});

scenario('scheduled_report', () => {
  test('the schedule is registered; a run posts the per-country report to chat and the archive', async () => {
    await s.resetStubs();
    const flow = await weft.api('GET', '/v1/flows/daily_report');
    assert.match(JSON.stringify(flow.body.triggers), /0 7 \* \* MON-FRI/);
    const r = await weft.api('POST', '/v1/flows/daily_report/executions', { input: { day: '2026-12-04' } });
    assert.equal(r.status, 201, r.text);
    const done = await weft.ended(r.body.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual(done.output, { countries: 2, revenue: 35.5 });
    const orders = await s.journal('GET', /^\/orders/);
    assert.equal(orders.length, 1);
    assert.equal(orders[0].queryParams.date.values[0], '2026-12-04');
    const chat = await s.journal('POST', /^\/channels\/sales\/messages$/);
    assert.deepEqual(chat.map((q) => q.json.text), ['Orders on 2026-12-04:\nAT: 1 orders, 20.00 EUR\nDE: 2 orders, 15.50 EUR']);
    const archived = await s.journal('PUT', /^\/reports\/daily\/2026-12-04$/);
    assert.equal(archived.length, 1);
    assert.equal(archived[0].json.revenue, 35.5);
  });
});

scenario('github_issues_to_crm', () => {
  const repo = '/repos/weft-dev/weft';
  const user = (login, id) => ({
    login, id, node_id: `U_${id}`, avatar_url: `https://avatars.githubusercontent.com/u/${id}`, gravatar_id: '',
    url: `https://api.github.com/users/${login}`, html_url: `https://github.com/${login}`,
    followers_url: '', following_url: '', gists_url: '', starred_url: '', subscriptions_url: '',
    organizations_url: '', repos_url: '', events_url: '', received_events_url: '', type: 'User', site_admin: false });
  const label = (id, name) => ({ id, node_id: `L_${id}`, url: `https://api.github.com${repo}/labels/${name}`,
                                 name, description: null, color: 'ededed', default: false });
  /// An issue as GitHub's "list repository issues" answers it (every field its schema requires).
  const issue = (number, title, labels, { author = user('ada', 1), pull = false } = {}) => ({
    id: 1000 + number, node_id: `I_${number}`, number, title, state: 'open', locked: false,
    url: `https://api.github.com${repo}/issues/${number}`, repository_url: `https://api.github.com${repo}`,
    labels_url: `https://api.github.com${repo}/issues/${number}/labels{/name}`,
    comments_url: `https://api.github.com${repo}/issues/${number}/comments`,
    events_url: `https://api.github.com${repo}/issues/${number}/events`,
    html_url: `https://github.com/weft-dev/weft/${pull ? 'pull' : 'issues'}/${number}`,
    user: author, labels, assignee: null, milestone: null, comments: 0, closed_at: null,
    created_at: '2026-12-01T09:00:00Z', updated_at: '2026-12-05T09:00:00Z', author_association: 'OWNER',
    ...(pull ? { pull_request: { url: `https://api.github.com${repo}/pulls/${number}`, html_url: '', diff_url: '', patch_url: '' } } : {}),
  });
  /// GitHub's credentials and API version, as the flow must send them.
  const headers = { Authorization: { equalTo: `Bearer ${SECRETS.github_token}` }, 'X-GitHub-Api-Version': { equalTo: '2022-11-28' } };
  /// WireMock as GitHub: the issues list (the exact query the flow sends) answers `issues`, a comment is created.
  const github = async (issues) => {
    await s.stub({ priority: 5, request: { method: 'GET', urlPath: `${repo}/issues`, headers,
                                           queryParameters: { state: { equalTo: 'open' }, sort: { equalTo: 'updated' }, per_page: { equalTo: '50' } } },
                   response: { status: 200, jsonBody: issues, headers: { 'Content-Type': 'application/json; charset=utf-8' } } });
    await s.stub({ priority: 5, request: { method: 'POST', urlPathPattern: `${repo}/issues/[0-9]+/comments`, headers },
                   response: { status: 201, headers: { 'Content-Type': 'application/json; charset=utf-8' }, transformers: ['response-template'],
                               jsonBody: { id: 7001, node_id: 'IC_7001', url: '', html_url: '', body: "{{jsonPath request.body '$.body'}}",
                                           issue_url: `https://api.github.com${repo}/issues/{{request.pathSegments.[4]}}`,
                                           user: user('weft-bot', 9), created_at: '2026-12-05T10:00:00Z',
                                           updated_at: '2026-12-05T10:00:00Z', author_association: 'NONE' } } });
  };
  /// Starts sync_issues over the API (its schedule cannot be waited for) and waits for its end.
  const sync = async () => {
    const r = await weft.api('POST', '/v1/flows/sync_issues/executions', { input: { owner: 'weft-dev', repo: 'weft' } });
    assert.equal(r.status, 201, r.text);
    return weft.ended(r.body.id);
  };
  const tickets = async () => (await s.record('tickets')).body.sort((a, b) => a.id.localeCompare(b.id));
  const comments = async () => (await s.journal('POST', /\/comments$/)).map((q) => `${q.url.split('/')[5]}: ${q.json.body}`);

  test('open issues (pull requests skipped) become CRM tickets with the mapped fields, each commented on', async () => {
    await s.resetStubs();
    const flow = await weft.api('GET', '/v1/flows/sync_issues');
    assert.match(JSON.stringify(flow.body.triggers), /\*\/30 \* \* \* \*/);
    await github([issue(1, 'Crash on start', ['bug', label(11, 'p1')]),
                  issue(2, 'Add the Linux build', [label(12, 'ci')], { pull: true }),
                  issue(3, 'Docs: typo', [label(13, 'docs')], { author: null })]);
    const ex = await sync();
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    assert.deepEqual(ex.output, { synced: 2 });
    const list = await s.journal('GET', /\/issues\?/);
    assert.equal(list.length, 1);
    assert.equal(list[0].header('Authorization'), `Bearer ${SECRETS.github_token}`);
    assert.equal(list[0].header('X-GitHub-Api-Version'), '2022-11-28');
    // the CRM (json-server) has the two tickets, read back
    assert.deepEqual(await tickets(), [
      { id: 'github-1001', external_id: 'github-1001', title: '#1 Crash on start', url: 'https://github.com/weft-dev/weft/issues/1',
        reporter: 'ada', labels: ['bug', 'p1'], status: 'open' },
      { id: 'github-1003', external_id: 'github-1003', title: '#3 Docs: typo', url: 'https://github.com/weft-dev/weft/issues/3',
        reporter: 'unknown', labels: ['docs'], status: 'open' }]);
    assert.deepEqual(await comments(), ['1: Tracked in the CRM as ticket github-1001.', '3: Tracked in the CRM as ticket github-1003.']);
  });

  test('a second sync updates the same tickets: no duplicates, no second comment', async () => {
    await s.resetStubs();
    await github([issue(1, 'Crash on start (Linux only)', ['bug']), issue(3, 'Docs: typo', [label(13, 'docs')], { author: null })]);
    const ex = await sync();
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    assert.deepEqual(ex.output, { synced: 2 });
    const now = await tickets();
    assert.deepEqual(now.map((t) => t.id), ['github-1001', 'github-1003']);
    assert.equal(now[0].title, '#1 Crash on start (Linux only)');
    assert.deepEqual(now[0].labels, ['bug']);
    assert.deepEqual((await s.journal('PUT', /^\/tickets\//)).map((q) => q.url), ['/tickets/github-1001', '/tickets/github-1003']);
    // the CRM answered 200 (updated), so GitHub is not told again
    assert.deepEqual(await comments(), []);
  });

  test('GitHub answers 502 once: the list is retried and the sync completes', async () => {
    await s.resetStubs();
    await github([issue(4, 'Flaky test', [])]);
    await s.stub({ priority: 1, scenarioName: 'github-outage', requiredScenarioState: 'Started', newScenarioState: 'up',
                   request: { method: 'GET', urlPath: `${repo}/issues` }, response: { status: 502, body: 'Bad Gateway' } });
    const ex = await sync();
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    assert.deepEqual(ex.output, { synced: 1 });
    assert.equal((await s.journal('GET', /\/issues\?/)).length, 2);
    const kinds = (await weft.history(ex.id)).map((e) => e.type);
    assert.equal(kinds.filter((k) => k === 'StepRetrying').length, 1, kinds.join(','));
    assert.equal((await tickets()).length, 3);
    assert.deepEqual(await comments(), ['4: Tracked in the CRM as ticket github-1004.']);
  });
});

scenario('poll_changes', () => {
  const change = (sku, t) => ({ sku, warehouse: 'w-1', available: 3, updated_at: t });
  const page = (since, items) => ({
    priority: since ? 2 : 3,
    request: { method: 'GET', urlPath: '/stock/changes',
               queryParameters: { api_key: { equalTo: SECRETS.inventory_key }, ...(since ? { since: { equalTo: since } } : {}) } },
    response: { status: 200, jsonBody: { items }, headers: { 'Content-Type': 'application/json' } } });
  const T = ['2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z', '2026-12-01T13:00:00Z'];
  const pushes = async () => (await s.journal('PUT', /^\/products\/[^/]+\/inventory$/)).map((q) => q.url.split('/')[2]);

  test('a cursor across polls and a SIGKILL restart: every change pushed once, none twice', async () => {
    await s.resetStubs();
    // overlapping pages: each page repeats the last item of the one before
    await s.stub(page(null, [change('A', T[0]), change('B', T[1])]));
    await s.stub(page(T[1], [change('B', T[1]), change('C', T[2])]));
    await s.stub(page(T[2], [change('C', T[2])]));
    // a restart polls at once (the trigger's back-off after failed polls is not kept)
    await weft.kill9();
    await weft.start();
    await eventually(async () => (await pushes()).length >= 3 &&
      (await s.journal('GET', /^\/stock\/changes.*since=2026-12-01T12/)).length >= 2, 30000, 'three pushes and two polls from C');
    await weft.kill9();
    await s.stub(page(T[2], [change('C', T[2]), change('D', T[3])]));
    await s.stub(page(T[3], [change('D', T[3])]));
    const before = (await s.journal('GET', /^\/stock\/changes/)).length;
    await weft.start();
    await eventually(async () => (await pushes()).includes('D') &&
      (await s.journal('GET', /^\/stock\/changes.*since=2026-12-01T13/)).length >= 2, 30000, 'D pushed after the restart');
    // the restarted server polled from its stored cursor, never from the start
    const after = (await s.journal('GET', /^\/stock\/changes/)).slice(before);
    assert.ok(after.every((q) => q.queryParams.since), after.map((q) => q.url).join(' '));
    await sleep(1500);
    assert.deepEqual((await pushes()).sort(), ['A', 'B', 'C', 'D']);
    const runs = await weft.executions('push_stock');
    assert.equal(runs.length, 4);
    for (const e of runs) assert.equal((await weft.ended(e.id)).status, 'completed');
    assert.deepEqual(runs.map((e) => e.input.change.sku).sort(), ['A', 'B', 'C', 'D']);
  });
});

scenario('outage', () => {
  const contact = { id: '42', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', tags: [] };
  const down = (state, next) => ({
    priority: 1, scenarioName: 'marketing-outage', requiredScenarioState: state, newScenarioState: next,
    request: { method: 'PUT', urlPathPattern: '/subscribers/.*' }, response: { status: 503, body: 'maintenance' } });

  test('marketing answers 503 for a while: the execution retries and completes when it is back', async () => {
    await s.resetStubs();
    await s.stub(down('Started', 'down-2'));
    await s.stub(down('down-2', 'up'));
    const r = await weft.crmWebhook(contact);
    const ex = await weft.ended(r.body.execution_id, 30000);
    assert.equal(ex.status, 'completed', JSON.stringify(ex.error));
    assert.equal((await s.journal('PUT', /^\/subscribers\//)).length, 3);
    const kinds = (await weft.history(ex.id)).map((e) => e.type);
    assert.equal(kinds.filter((k) => k === 'StepRetrying').length, 2, kinds.join(','));
  });

  test('retries exhausted: the execution fails; weft replay completes it without repeating earlier calls', async () => {
    await s.resetStubs();
    const outage = await s.stub({ priority: 1, request: { method: 'PUT', urlPathPattern: '/subscribers/.*' },
                                  response: { status: 503, body: 'maintenance' } });
    const r = await weft.crmWebhook(contact);
    const ex = await weft.ended(r.body.execution_id, 30000);
    assert.equal(ex.status, 'failed');
    assert.match(JSON.stringify(ex.error), /503/);
    assert.equal((await s.journal('PUT', /^\/subscribers\//)).length, 5);
    await s.removeStub(outage);
    const out = spawnSync(process.env.WEFT_BINARY, ['replay', ex.id, '--server', weft.url, '--reason', 'marketing is back'],
                          { encoding: 'utf8', env: { ...process.env, WEFT_TOKEN: weft.token } });
    assert.equal(out.status, 0, out.stderr);
    // five failures opened marketing's circuit breaker: the replayed step waits for its 30 s
    // cool-down, then the half-open probe succeeds
    const done = await weft.ended(ex.id, 60000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.match(JSON.stringify(await weft.history(ex.id)), /circuit open/);
    assert.equal((await s.journal('GET', /^\/contacts\//)).length, 1);
    assert.equal((await s.journal('POST', /^\/customers$/)).length, 1);
    assert.equal((await s.journal('PUT', /^\/subscribers\//)).length, 6);
    assert.equal((await s.record('subscribers', 'ada@example.com')).body.fullName, 'Ada Lovelace');
  });
});

describe('every example runs in a scenario', () => {
  const examples = fs.readdirSync(path.join(SOURCE, 'examples')).filter((f) => f.endsWith('.flow')).sort();

  test('each examples/*.flow is listed in COVERAGE with scenarios that exist', () => {
    const missing = examples.filter((f) => !(COVERAGE[f]?.length));
    assert.deepEqual(missing, [], `no scenario exercises examples/${missing.join(', examples/')}: ` +
                     'add one to tests/e2e/standins/scenarios.test.mjs and list it in COVERAGE');
    const stale = Object.keys(COVERAGE).filter((f) => !examples.includes(f));
    assert.deepEqual(stale, [], `COVERAGE lists examples that do not exist: ${stale.join(', ')}`);
    const unknown = Object.values(COVERAGE).flat().filter((n) => !SCENARIOS.has(n));
    assert.deepEqual(unknown, [], `COVERAGE names scenarios that do not exist: ${unknown.join(', ')}`);
  });

  test('each example ran: one of its flows has executions on the server', async () => {
    const idle = [];
    for (const f of examples) {
      const flows = [...fs.readFileSync(path.join(SOURCE, 'examples', f), 'utf8').matchAll(/^flow (\w+)/gm)].map((m) => m[1]);
      assert.ok(flows.length > 0, `examples/${f} declares no flow`);
      let n = 0;
      for (const name of flows) n += (await weft.executions(name)).length;
      if (n === 0) idle.push(`examples/${f} (${flows.join(', ')})`);
    }
    assert.deepEqual(idle, [], `no execution of: ${idle.join('; ')}`);
  });
});
