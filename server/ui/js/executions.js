// The executions page: newest first, filtered by flow, status and creation time, paged with the
// API's cursors, refreshed every few seconds while it is shown.
import {api} from './api.js';
import {el, time, duration, badge, linkRow, short} from './util.js';

const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'paused'];
const POLL_MS = 3000;
const PAGE = 25;

/// A datetime-local value (viewer's zone) as RFC 3339 UTC, or null.
function toIso(v) { return v ? new Date(v).toISOString() : null; }
/// RFC 3339 as a datetime-local value in the viewer's zone.
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function executionsPage(main, params) {
  const filter = {flow: params.get('flow') || '', status: params.get('status') || '',
    since: params.get('since') || '', until: params.get('until') || ''};
  const cursors = [null];  // cursors[i] fetches page i
  let page = 0, timer = null, stopped = false;
  const {flows} = await api('GET', '/v1/flows');

  const flowSel = el('select', {id: 'f-flow', name: 'flow'}, el('option', {value: ''}, 'all flows'),
    flows.map((f) => el('option', {value: f.name, selected: f.name === filter.flow}, f.name)));
  const statusSel = el('select', {id: 'f-status', name: 'status'}, el('option', {value: ''}, 'any status'),
    STATUSES.map((s) => el('option', {value: s, selected: s === filter.status}, s)));
  const since = el('input', {id: 'f-since', type: 'datetime-local', value: toLocalInput(filter.since)});
  const until = el('input', {id: 'f-until', type: 'datetime-local', value: toLocalInput(filter.until)});
  const form = el('form', {class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (flowSel.value) q.set('flow', flowSel.value);
    if (statusSel.value) q.set('status', statusSel.value);
    if (since.value) q.set('since', toIso(since.value));
    if (until.value) q.set('until', toIso(until.value));
    location.hash = '#/executions' + (q.toString() ? '?' + q : '');
  }},
  el('label', {}, 'Flow ', flowSel), el('label', {}, 'Status ', statusSel),
  el('label', {}, 'Created after ', since), el('label', {}, 'before ', until),
  el('button', {type: 'submit'}, 'Filter'));
  for (const s of [flowSel, statusSel]) s.addEventListener('change', () => form.requestSubmit());

  const tbody = el('tbody');
  const info = el('p', {class: 'muted', 'aria-live': 'polite', id: 'exec-info'});
  const prev = el('button', {type: 'button', id: 'prev', onclick: () => { page--; load(); }}, '← Newer');
  const next = el('button', {type: 'button', id: 'next', onclick: () => { page++; load(); }}, 'Older →');
  const live = el('input', {type: 'checkbox', id: 'live', checked: true,
    onchange: () => (live.checked ? schedule() : clearTimeout(timer))});
  main.replaceChildren(el('h1', {}, 'Executions'), form,
    el('div', {class: 'table-wrap'}, el('table', {class: 'list', id: 'executions'},
      el('thead', {}, el('tr', {}, el('th', {}, 'Execution'), el('th', {}, 'Flow'), el('th', {}, 'Status'),
        el('th', {class: 'hide-narrow', title: 'the step of its last checkpoint'}, 'Checkpoint'), el('th', {}, 'Created'), el('th', {class: 'num hide-narrow'}, 'Duration'))),
      tbody)),
    el('div', {class: 'pager'}, prev, next, el('label', {}, live, ' live (every 3 s)'), info));

  function schedule() {
    clearTimeout(timer);
    if (!stopped && live.checked) timer = setTimeout(load, POLL_MS);
  }

  async function load() {
    const q = new URLSearchParams({limit: PAGE});
    for (const k of ['flow', 'status', 'since', 'until']) if (filter[k]) q.set(k, filter[k]);
    if (cursors[page]) q.set('cursor', cursors[page]);
    try {
      const r = await api('GET', '/v1/executions?' + q);
      if (stopped) return;
      cursors[page + 1] = r.next_cursor;
      const focused = document.activeElement && document.activeElement.dataset.id;
      tbody.replaceChildren(...r.items.map((x) => {
        const end = x.status === 'running' || x.status === 'paused' ? Date.now() : Date.parse(x.updated_at);
        return linkRow(el('tr', {'data-id': x.id, 'data-status': x.status},
          el('td', {}, el('a', {href: `#/executions/${encodeURIComponent(x.id)}`}, el('code', {}, x.id))),
          el('td', {}, x.flow, el('div', {class: 'muted'}, el('code', {title: x.version}, short(x.version)))),
          el('td', {}, badge(x.status)),
          el('td', {class: 'hide-narrow'}, x.current ? el('code', {}, x.current) : ''),
          el('td', {}, time(x.created_at)),
          el('td', {class: 'num hide-narrow'}, duration(end - Date.parse(x.created_at)))),
        `#/executions/${encodeURIComponent(x.id)}`);
      }));
      if (!r.items.length) tbody.append(el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'No execution matches.')));
      if (focused) tbody.querySelector(`tr[data-id="${CSS.escape(focused)}"]`)?.focus();
      prev.disabled = page === 0;
      next.disabled = !r.next_cursor;
      info.textContent = `page ${page + 1} · updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      info.textContent = e.message;
    }
    schedule();
  }
  await load();
  return () => { stopped = true; clearTimeout(timer); };
}
