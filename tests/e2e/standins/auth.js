// json-server 0.17 middleware (`--middlewares auth.js`): each collection answers only with the
// credentials its example connection sends (tests/e2e/standins, issue 14). The expected values
// come from the environment the test starts json-server with.
const expect = {
  contacts: () => 'Bearer ' + process.env.CRM_TOKEN,
  tickets: () => 'Bearer ' + process.env.CRM_TOKEN,
  subscribers: () => null,  // X-Api-Key, checked below
  customers: () => 'Basic ' + Buffer.from('weft:' + process.env.ACCOUNTING_PASSWORD).toString('base64'),
  projects: () => 'Bearer ' + process.env.PROJECTS_TOKEN,
  warehouses: () => null,   // X-Api-Key, checked below
};
const apiKey = {
  subscribers: () => process.env.MARKETING_KEY,
  warehouses: () => process.env.INVENTORY_KEY,
};

module.exports = (req, res, next) => {
  const collection = req.path.split('/')[1] || '';
  if (!(collection in expect)) return res.status(404).jsonp({ error: 'no such collection' });
  const ok = apiKey[collection] ? req.get('x-api-key') === apiKey[collection]()
                                : req.get('authorization') === expect[collection]();
  if (!ok) return res.status(401).jsonp({ error: 'unauthorized' });
  // the CRM upserts tickets by PUT (json-server's PUT only replaces): a PUT to a missing ticket
  // creates it with that id (201), one to an existing ticket replaces it (200)
  const [, , id] = req.path.split('/');
  if (collection === 'tickets' && req.method === 'PUT' && id && !req.app.db.get('tickets').getById(id).value()) {
    req.method = 'POST';
    req.url = '/tickets';
    req.body = { ...req.body, id };
  }
  next();
};
