// e2e_standins_chaos (issue 14 item 2): the example scenarios under bounded load (CHAOS_EXECUTIONS,
// default 200, started over ~CHAOS_SECONDS, default 45) while `weft serve` is SIGKILLed and
// restarted every ~9 s and WireMock injects faults (connection resets, 500/503, delays) on the
// third-party APIs. Afterwards: every execution completed or failed with a reason, none started
// twice, each history has one start and one end and no step completed twice, and the stand-ins'
// journals show one effect per idempotency key (one key per charge, refund and invoice; a key never
// carries two different requests).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep, useStandIns } from './standins.mjs';

const TOTAL = Number(process.env.CHAOS_EXECUTIONS ?? 200);
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 45);
const { s, weft } = useStandIns('weft-chaos-');

/// Retries `send` (which answers an HTTP result) until `ok(result)`, as a sender would while the
/// server is down or restarting; gives up after 60 s.
async function deliver(send, ok, what) {
  const until = Date.now() + 60000;
  let last;
  while (Date.now() < until) {
    try { last = await send(); if (ok(last)) return last; } catch (e) { last = e; }
    await sleep(150);
  }
  throw new Error(`${what} never accepted: ${last?.status ?? ''} ${last?.text ?? last?.message ?? ''}`);
}

/// The faults WireMock cycles through (one at a time, ~1.5 s each), on top of the normal stubs.
const FAULTS = [
  { request: { method: 'POST', urlPath: '/charges' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } },
  { request: { method: 'POST', urlPath: '/customers' }, response: { status: 500, body: 'boom' } },
  { request: { method: 'PUT', urlPathPattern: '/subscribers/.*' }, response: { status: 503, body: 'maintenance' } },
  { request: { method: 'POST', urlPath: '/v3/mail/send' }, response: { status: 202, fixedDelayMilliseconds: 1500 } },
  { request: { method: 'POST', urlPath: '/shipments' }, response: { status: 500, body: 'carrier down' } },
  { request: { method: 'POST', urlPath: '/invoices' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } },
  { request: { method: 'POST', urlPath: '/charges' },
    response: { status: 201, fixedDelayMilliseconds: 2500, headers: { 'Content-Type': 'application/json' },
                body: '{"id": "pay-{{jsonPath request.body \'$.order_id\'}}", "status": "captured"}',
                transformers: ['response-template'] } },
  null,
];

test('the examples under load, SIGKILLs and injected faults: nothing lost, nothing twice', async () => {
  // the work: orders (signed webhooks, dedup by webhook-id), contacts and projects and reports
  // (API starts with idempotency keys); each item knows how to (re)deliver its start
  const items = [];
  for (let i = 0; i < TOTAL; i++) {
    const k = i % 10;
    if (k < 4) {
      const o = { id: `ch-o-${i}`, customer_email: `o${i}@example.com`, currency: 'EUR',
                  lines: [{ sku: i % 2 ? 'A' : 'B', qty: 1, price: 2.5 + i }],
                  address: { street: 'Main 1', city: 'Berlin', zip: '10115', country: 'DE' } };
      items.push({ flow: 'fulfil_order', key: o.id, start: () => weft.shopWebhook(o, `msg-${o.id}`),
                   ok: (r) => r.status === 202, id: (r) => r.body.execution_id });
    } else if (k < 7) {
      const c = { id: '42', firstName: 'Ada', lastName: `Lovelace ${i}`, email: 'ada@example.com', tags: [`n${i}`] };
      items.push({ flow: 'sync_contact', key: `contact-${i}`, start: () => weft.api('POST', '/v1/flows/sync_contact/executions',
                   { input: { contact: c }, idempotency_key: `contact-${i}` }), ok: (r) => r.status === 201 || r.status === 200,
                   id: (r) => r.body.id });
    } else if (k < 9) {
      const approve = i % 20 < 10;
      items.push({ flow: 'invoice_project', key: `project-${i}`, approve,
                   start: () => weft.api('POST', '/v1/flows/invoice_project/executions',
                     { input: { project_id: i % 3 ? 'p-1' : 'p-2', approval_timeout: approve ? 60000 : 2000 },
                       idempotency_key: `project-${i}` }),
                   ok: (r) => r.status === 201 || r.status === 200, id: (r) => r.body.id });
    } else {
      const day = new Date(Date.UTC(2026, 0, 1) + i * 86400000).toISOString().slice(0, 10);
      items.push({ flow: 'daily_report', key: `report-${day}`, start: () => weft.api('POST', '/v1/flows/daily_report/executions',
                   { input: { day }, idempotency_key: `report-${day}` }), ok: (r) => r.status === 201 || r.status === 200,
                   id: (r) => r.body.id });
    }
  }

  // chaos: SIGKILL + restart every ~9 s, faults cycling every 1.5 s, while the starts trickle in
  const t0 = Date.now();
  let stopChaos = false;
  let kills = 0;
  const killer = (async () => {
    while (!stopChaos) {
      await sleep(9000);
      if (stopChaos) break;
      await weft.kill9();
      kills++;
      await sleep(300);
      await weft.start();
    }
  })();
  const faults = (async () => {
    let current = null;
    for (let n = 0; !stopChaos; n++) {
      if (current) await s.removeStub(current);
      const f = FAULTS[n % FAULTS.length];
      current = f ? await s.stub({ priority: 1, ...f }) : null;
      await sleep(1500);
    }
    if (current) await s.removeStub(current);
  })();

  const gap = (SECONDS * 1000) / TOTAL;
  const started = await Promise.all(items.map(async (it, i) => {
    await sleep(i * gap);
    const r = await deliver(it.start, it.ok, `${it.flow} ${it.key}`);
    it.execution = it.id(r);
    if (it.approve) {
      await deliver(() => weft.api('POST', `/v1/executions/${it.execution}/signals/approval`,
                                   { payload: { approved: true, approver: 'm@example.com' } }),
                    (x) => x.status === 202 || x.status === 409, `approval of ${it.key}`);
    }
    return it;
  }));
  stopChaos = true;
  await Promise.all([killer, faults]);
  console.log(`# ${started.length} executions started in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${kills} SIGKILLs`);

  // every execution ends: completed, or failed with a reason
  const records = new Map();
  for (const it of started) {
    records.set(it.execution, await weft.ended(it.execution, 90000));
  }
  const byStatus = {};
  for (const it of started) {
    const rec = records.get(it.execution);
    byStatus[`${it.flow}:${rec.status}`] = (byStatus[`${it.flow}:${rec.status}`] ?? 0) + 1;
    assert.ok(['completed', 'failed'].includes(rec.status), `${it.key}: ${rec.status}`);
    if (rec.status === 'failed') assert.ok(rec.error && JSON.stringify(rec.error).length > 10, `${it.key} failed without a reason`);
    if (it.flow === 'invoice_project' && rec.status === 'completed') {
      assert.equal(rec.output.status, it.approve ? 'issued' : 'expired', it.key);
    }
  }
  console.log('# outcomes', JSON.stringify(byStatus));

  // none twice: one execution per start, and the server holds no other
  assert.equal(new Set(started.map((it) => it.execution)).size, started.length);
  for (const flow of ['fulfil_order', 'sync_contact', 'invoice_project', 'daily_report']) {
    const ours = started.filter((it) => it.flow === flow).length;
    assert.equal((await weft.executions(flow)).length, ours, `executions of ${flow}`);
  }
  // histories: one start, one end, no step completed twice; a failed order was compensated: a
  // completed charge refunded and a completed reservation released (the journal shows the calls)
  const journal = await s.journal();
  const called = (method, url) => journal.some((q) => q.method === method && q.url === url);
  let compensated = 0;
  for (const it of started) {
    const events = await weft.history(it.execution);
    const count = (t) => events.filter((e) => e.type === t).length;
    assert.equal(count('ExecutionStarted'), 1, it.key);
    assert.equal(count('ExecutionCompleted') + count('ExecutionFailed') + count('ExecutionCancelled'), 1, it.key);
    const done = events.filter((e) => e.type === 'StepCompleted').map((e) => e.step);
    assert.equal(new Set(done).size, done.length, `${it.key}: a step completed twice: ${done}`);
    if (it.flow === 'fulfil_order' && records.get(it.execution).status === 'failed') {
      if (done.includes('payment')) assert.ok(called('POST', `/charges/pay-${it.key}/refund`), `${it.key}: charged, never refunded`);
      if (done.includes('reservation')) {
        assert.ok(journal.some((q) => q.method === 'DELETE' && q.url.endsWith(`/reservations/${it.key}`)),
                  `${it.key}: reserved, never released`);
        compensated++;
      }
    }
  }
  console.log(`# ${compensated} failed orders had their reservation released and payment refunded`);

  // journals: a key never carries two different requests, and one effect has one key
  const keyed = (await s.journal()).filter((q) => q.header('Idempotency-Key'));
  assert.ok(keyed.length > 0, 'no request carried an idempotency key');
  const byKey = new Map();
  for (const q of keyed) {
    const k = q.header('Idempotency-Key');
    const what = `${q.method} ${q.url} ${q.body}`;
    if (byKey.has(k)) assert.equal(byKey.get(k), what, `idempotency key ${k} carried two different requests`);
    byKey.set(k, what);
  }
  const effects = new Map();
  for (const q of keyed) {
    // the effect: a charge of an order, a refund of a charge, an invoice draft of an execution
    const effect = q.url === '/charges' ? `charge ${q.json?.order_id}` : `${q.method} ${q.url} ${q.header('Idempotency-Key').split('/')[0]}`;
    const keys = effects.get(effect) ?? new Set();
    keys.add(q.header('Idempotency-Key'));
    effects.set(effect, keys);
  }
  for (const [effect, keys] of effects) assert.equal(keys.size, 1, `${effect} was sent under ${[...keys].join(', ')}`);
  console.log(`# ${keyed.length} keyed requests, ${effects.size} distinct effects, each under one key`);
});
