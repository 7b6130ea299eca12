// e2e_standins: every example against real third-party stand-ins (issue 14 item 1). The stand-ins
// start once for the file; each scenario runs the real `weft serve --flows` with the examples and
// reads the results back from the receiving servers (json-server records, WireMock's journal).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SECRETS, StandIns, Weft, eventually, sleep } from './standins.mjs';

const s = new StandIns();
let weft;
let dir;

before(async () => {
  await s.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-scenarios-'));
  weft = new Weft(dir, s.env());
  weft.setup();
  await weft.start();
});

after(async () => {
  await weft?.stop();
  await s.stopAll();
  if (!process.env.KEEP_STANDINS_DIR) fs.rmSync(dir, { recursive: true, force: true });
});

const order = (id, lines, country = 'DE') => ({
  id, customer_email: `${id}@example.com`, currency: 'EUR', lines,
  address: { street: 'Main 1', city: 'Berlin', zip: '10115', country },
});

describe('crm_contact_sync', () => {
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

describe('order_fulfilment', () => {
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
    const mails = await s.journal('POST', /^\/messages$/);
    assert.equal(mails.length, 1);
    assert.equal(mails[0].json.to, 'o-100@example.com');
    assert.equal(mails[0].json.data.tracking, 'https://track.example/o-100');
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
    assert.equal((await s.journal('POST', /^\/messages$/)).length, 0);
    const kinds = (await weft.history(ex.id)).map((e) => e.type);
    assert.ok(kinds.includes('CompensationCompleted'), kinds.join(','));
  });
});
