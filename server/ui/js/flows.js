// The flows page: deployed flows with their versions, parameters and triggers (webhook paths,
// schedules with their next fire time, polls, events), and the success rate and latency of their
// last 100 executions.
import {api, seg} from './api.js';
import {el, time, duration, short, linkRow} from './util.js';

const RECENT = 100;

function triggerItem(t) {
  switch (t.kind) {
    case 'webhook': return el('li', {}, 'webhook ', el('code', {}, '/hooks' + (t.subject || '')));
    case 'schedule': return el('li', {}, 'schedule ', el('code', {}, t.subject ?? '(computed)'),
      t.timezone && t.timezone !== 'UTC' ? ` (${t.timezone})` : '',
      t.next_fire_at ? el('span', {}, ' — next ', time(t.next_fire_at)) : '');
    case 'event': return el('li', {}, 'event ', el('code', {}, t.subject ?? '(computed)'));
    default: return el('li', {}, t.kind);
  }
}

/// Success rate and latency of the finished executions among `items`.
export function stats(items) {
  const done = items.filter((x) => x.status === 'completed' || x.status === 'failed' || x.status === 'cancelled');
  const ok = done.filter((x) => x.status === 'completed');
  const lat = ok.map((x) => Date.parse(x.updated_at) - Date.parse(x.created_at)).sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
  return {finished: done.length, rate: done.length ? ok.length / done.length : null, p50: q(0.5), p95: q(0.95)};
}

export async function flowsPage(main) {
  const {flows} = await api('GET', '/v1/flows');
  const recent = await Promise.all(flows.map((f) =>
    api('GET', `/v1/executions?flow=${seg(f.name)}&limit=${RECENT}`).then((r) => r.items, () => [])));
  const rows = flows.map((f, i) => {
    const s = stats(recent[i]);
    const href = `#/executions?flow=${encodeURIComponent(f.name)}`;
    return linkRow(el('tr', {'data-flow': f.name},
      el('td', {}, el('a', {href}, f.name)),
      el('td', {}, el('code', {title: f.version}, short(f.version)), el('br'), time(f.deployed_at),
        f.versions.length > 1 ? el('div', {class: 'muted'}, `${f.versions.length} versions`) : ''),
      el('td', {class: 'hide-narrow'}, (f.params || []).map((p) => el('div', {}, el('code', {}, `${p.name}: ${p.type}`),
        p.required ? '' : el('span', {class: 'muted'}, ' optional')))),
      el('td', {}, (f.triggers || []).length ? el('ul', {class: 'plain'}, f.triggers.map(triggerItem))
        : el('span', {class: 'muted'}, 'API only')),
      el('td', {class: 'num'}, s.rate === null ? '—' : `${Math.round(s.rate * 100)} %`,
        el('div', {class: 'muted'}, `of ${s.finished}`)),
      el('td', {class: 'num hide-narrow'}, s.p50 === null ? '—' : duration(s.p50),
        s.p95 === null ? '' : el('div', {class: 'muted'}, `p95 ${duration(s.p95)}`))), href);
  });
  main.replaceChildren(
    el('h1', {}, 'Flows'),
    flows.length ? el('div', {class: 'table-wrap'}, el('table', {class: 'list', id: 'flows'},
      el('thead', {}, el('tr', {}, el('th', {}, 'Flow'), el('th', {}, 'Deployed version'),
        el('th', {class: 'hide-narrow'}, 'Parameters'), el('th', {}, 'Triggers'),
        el('th', {class: 'num', title: `completed among the last ${RECENT} finished executions`}, 'Success'),
        el('th', {class: 'num hide-narrow', title: 'median time from start to completion'}, 'Latency'))),
      el('tbody', {}, rows)))
      : el('p', {class: 'muted'}, 'No flow is deployed yet (weft deploy FILE, or weft serve --flows DIR).'));
  return null;
}
