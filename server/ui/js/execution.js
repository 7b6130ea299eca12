// One execution: status, input, output and error; the timeline of its history events (durations,
// attempts, retries, replays and superseded events); the state graph of its flow version with
// each step coloured by its state; a step's recorded requests and result; and the actions
// replay (from a chosen step), cancel and signal, each confirmed first.
import {api, seg} from './api.js';
import {el, time, duration, jsonBlock, badge, short} from './util.js';
import {drawGraph} from './graph.js';

const POLL_MS = 2000;

/// The graph step a history node key belongs to: `name[2]` (a loop iteration) → `name`,
/// `compensate:name` → `name`.
export function stepOf(key) {
  if (!key) return null;
  const k = key.startsWith('compensate:') ? key.slice('compensate:'.length) : key;
  const b = k.indexOf('[');
  return b >= 0 ? k.slice(0, b) : k;
}

/// The node key an event is about (step, timer or wait node), or null.
const keyOf = (e) => e.step ?? e.timer ?? e.node ?? null;

/// Marks superseded events (inside an EventsSuperseded range) and computes each step event's
/// duration since its attempt was scheduled.
export function annotate(events) {
  const ranges = events.filter((e) => e.type === 'EventsSuperseded').map((e) => [e.from_seq, e.to_seq]);
  const scheduled = new Map();
  return events.map((e) => {
    const x = {...e, superseded: ranges.some(([a, b]) => e.seq >= a && e.seq <= b)};
    const key = keyOf(e);
    if (e.type === 'StepScheduled' || e.type === 'TimerStarted' || e.type === 'CompensationStarted')
      scheduled.set((e.type === 'CompensationStarted' ? 'compensate:' : '') + key, e);
    const startKey = e.type.startsWith('Compensation') ? 'compensate:' + key : key;
    if (['StepCompleted', 'StepFailed', 'StepRetrying', 'TimerFired', 'CompensationCompleted',
      'CompensationFailed'].includes(e.type) && scheduled.has(startKey)) {
      const s = scheduled.get(startKey);
      x.duration = Date.parse(e.at) - Date.parse(s.at);
      if (s.attempt) x.attempt = s.attempt;
    }
    if (e.type === 'StepScheduled') x.attempt = e.attempt;
    if (e.type === 'StepRetrying') x.attempt = e.next_attempt - 1;
    return x;
  });
}

/// The step the execution is at: the `fail` statement it failed at, else the last step event that
/// still counts (the running, failed or last completed step), else the record's `current`.
export function currentStep(events, ex) {
  const fail = failedAt(events, ex);
  if (fail) return fail;
  for (let i = events.length - 1; i >= 0; --i) {
    const e = events[i];
    if (!e.superseded && stepOf(keyOf(e)) && e.type !== 'EventsSuperseded') return stepOf(keyOf(e));
  }
  return stepOf(ex.current);
}

/// The `fail` statement a failed execution stopped at: it records no event, only the record's `current`.
function failedAt(events, ex) {
  const at = ex && ex.status === 'failed' ? stepOf(ex.current) : null;
  return at && !events.some((e) => !e.superseded && stepOf(keyOf(e)) === at) ? at : null;
}

/// Each step's state from the events that still count: running, retrying, completed, failed or
/// compensated; a failed execution's `fail` statement (`ex`) is failed.
export function stepStates(events, ex) {
  const st = new Map();
  for (const e of events) {
    if (e.superseded) continue;
    const s = stepOf(keyOf(e));
    if (!s) continue;
    switch (e.type) {
      case 'StepScheduled': case 'TimerStarted': case 'ChildStarted': st.set(s, 'running'); break;
      case 'StepRetrying': st.set(s, 'retrying'); break;
      case 'StepCompleted': case 'TimerFired': case 'SignalReceived': case 'EventEmitted': st.set(s, 'completed'); break;
      case 'StepFailed': case 'ExecutionPaused': case 'CompensationFailed': st.set(s, 'failed'); break;
      case 'CompensationCompleted': st.set(s, 'compensated'); break;
    }
  }
  const fail = failedAt(events, ex);
  if (fail) st.set(fail, 'failed');
  return st;
}

function summary(e) {
  const err = e.error;
  switch (e.type) {
    case 'StepScheduled': return `${e.method || ''} ${e.path || ''}`.trim();
    case 'StepRetrying': return [err && err.message, e.next_at ? el('span', {}, ' — next try ', time(new Date(e.next_at).toISOString())) : ''];
    case 'StepFailed': case 'ExecutionFailed': case 'CompensationFailed': case 'ExecutionPaused':
    case 'ExecutionCancelled': return err ? `${err.kind || 'error'}${err.status ? ' ' + err.status : ''}: ${err.message || ''}` : '';
    case 'ReplayRequested': return `by ${e.by}${e.from_step ? ', from ' + e.from_step : ''}${e.reason ? ': ' + e.reason : ''}`;
    case 'EventsSuperseded': return `events ${e.from_seq}–${e.to_seq} no longer count`;
    case 'VersionChanged': return `${short(e.from)} → ${short(e.to)}`;
    case 'SignalReceived': return `signal ${e.signal}`;
    case 'EventEmitted': return `event ${e.event}`;
    case 'ChildStarted': return `child ${e.flow} ${e.child}`;
    case 'TimerStarted': return el('span', {}, 'due ', time(new Date(e.due).toISOString()));
    default: return '';
  }
}

function timeline(events) {
  return el('div', {class: 'table-wrap'}, el('table', {class: 'list timeline', id: 'timeline'},
    el('thead', {}, el('tr', {}, el('th', {class: 'num'}, '#'), el('th', {}, 'Time'), el('th', {}, 'Event'),
      el('th', {}, 'Step'), el('th', {class: 'num'}, 'Attempt'), el('th', {class: 'num'}, 'Took'),
      el('th', {class: 'hide-narrow'}, 'Details'))),
    el('tbody', {}, events.map((e) => el('tr', {class: [e.superseded ? 'superseded' : '',
      e.type === 'StepRetrying' ? 'retry' : '', e.type === 'ReplayRequested' ? 'replay' : '',
      /Failed|Paused/.test(e.type) ? 'bad' : ''].join(' ').trim(), 'data-type': e.type},
    el('td', {class: 'num'}, e.seq), el('td', {}, time(e.at)),
    el('td', {}, e.type, e.superseded ? el('span', {class: 'tag', title: 'undone by a replay'}, 'superseded') : '',
      e.type === 'ReplayRequested' ? el('span', {class: 'tag tag-replay'}, 'replay') : '',
      e.type === 'StepRetrying' ? el('span', {class: 'tag tag-retry'}, 'retry') : ''),
    el('td', {}, keyOf(e) ? el('code', {}, keyOf(e)) : ''),
    el('td', {class: 'num'}, e.attempt ?? ''),
    el('td', {class: 'num'}, e.duration !== undefined ? duration(e.duration) : ''),
    el('td', {class: 'hide-narrow details'}, summary(e)))))));
}

function stepDetail(step, events) {
  const mine = events.filter((e) => stepOf(keyOf(e)) === step &&
    ['StepScheduled', 'StepRetrying', 'StepCompleted', 'StepFailed', 'CompensationCompleted', 'CompensationFailed',
      'ChildStarted', 'TimerStarted', 'TimerFired', 'SignalReceived', 'EventEmitted'].includes(e.type));
  const items = mine.map((e) => el('div', {class: 'attempt' + (e.superseded ? ' superseded' : '')},
    el('h4', {}, `#${e.seq} ${e.type}`, e.attempt ? ` — attempt ${e.attempt}` : '', ' · ', time(e.at),
      e.superseded ? el('span', {class: 'tag'}, 'superseded') : ''),
    e.type === 'StepScheduled' ? [el('p', {}, el('code', {}, `${(e.method || '').toUpperCase()} ${e.path || ''}`)),
      e.query !== undefined ? [el('h5', {}, 'Query'), jsonBlock(e.query)] : '',
      e.body !== undefined ? [el('h5', {}, 'Request body'), jsonBlock(e.body)] : ''] : '',
    e.result !== undefined ? [el('h5', {}, 'Result'), jsonBlock(e.result)] : '',
    e.error !== undefined ? [el('h5', {}, 'Error'), jsonBlock(e.error)] : '',
    e.payload !== undefined ? [el('h5', {}, 'Payload'), jsonBlock(e.payload)] : ''));
  return el('section', {id: 'step-detail', class: 'panel', 'aria-live': 'polite', tabindex: -1},
    el('h2', {}, 'Step ', el('code', {}, step)),
    el('p', {class: 'muted'}, 'Recorded requests are stored with secret values redacted.'),
    items.length ? items : el('p', {class: 'muted'}, 'This step has not run in this execution.'));
}

export async function executionPage(main, id) {
  let ex = await api('GET', `/v1/executions/${seg(id)}`);
  let events = annotate((await api('GET', `/v1/executions/${seg(id)}/history`)).events);
  let graph = null, graphError = null, selected = null, timer = null, stopped = false;
  const loadGraph = async () => {
    try {
      graph = await api('GET', `/v1/flows/${seg(ex.flow)}/versions/${seg(ex.version)}/graph`);
      graphError = null;
    } catch (e) { graph = null; graphError = e.message; }
  };
  await loadGraph();

  const head = el('div'), data = el('div', {class: 'grid2'}), graphBox = el('div', {class: 'graph-wrap', id: 'graph'});
  const detailBox = el('div'), tl = el('div');
  const actionMsg = el('p', {id: 'action-msg', role: 'alert', class: 'action-msg'});

  // -- actions
  const fromSel = el('select', {id: 'replay-from'});
  // The signals the flow waits for (its `signal "name"` nodes) are offered as suggestions.
  const waits = (graph ? graph.nodes : []).map((n) => /^signal "(.*)"$/.exec(n.label)).filter(Boolean).map((m) => m[1]);
  const signalList = el('datalist', {id: 'signal-names'}, [...new Set(waits)].map((w) => el('option', {value: w})));
  const signalName = el('input', {id: 'signal-name', required: true, placeholder: waits[0] || 'approved',
    list: 'signal-names', pattern: '[A-Za-z_][A-Za-z0-9_.\\-]*'});
  const signalData = el('textarea', {id: 'signal-payload', rows: 3, placeholder: '{"ok": true}', spellcheck: 'false'});
  async function act(what, question, method, path, body) {
    actionMsg.className = 'action-msg';
    actionMsg.textContent = '';
    if (!window.confirm(question)) return;
    try {
      await api(method, path, body);
      actionMsg.classList.add('ok');
      actionMsg.textContent = `${what}: accepted.`;
      await refresh(true);
    } catch (e) {
      actionMsg.classList.add('error');
      actionMsg.textContent = `${what} refused (${e.status} ${e.code}): ${e.message}`;
    }
  }
  const actions = el('section', {class: 'panel actions', 'aria-label': 'Actions'},
    el('h2', {}, 'Actions'),
    el('form', {id: 'replay-form', onsubmit: (e) => {
      e.preventDefault();
      const from = fromSel.value;
      act('Replay', `Replay execution ${id}${from ? ' from step ' + from : ' from its last checkpoint'}?`, 'POST',
        `/v1/executions/${seg(id)}/replay`, from ? {from, reason: 'console'} : {reason: 'console'});
    }}, el('label', {for: 'replay-from'}, 'Replay from'), fromSel, el('button', {type: 'submit', id: 'replay'}, 'Replay')),
    el('form', {id: 'cancel-form', onsubmit: (e) => {
      e.preventDefault();
      act('Cancel', `Cancel execution ${id}? Its compensations run.`, 'POST', `/v1/executions/${seg(id)}/cancel`);
    }}, el('button', {type: 'submit', id: 'cancel', class: 'danger'}, 'Cancel execution')),
    el('form', {id: 'signal-form', onsubmit: (e) => {
      e.preventDefault();
      let payload;
      try { payload = signalData.value.trim() ? JSON.parse(signalData.value) : null; } catch (err) {
        actionMsg.className = 'action-msg error';
        actionMsg.textContent = `The payload is not valid JSON: ${err.message}`;
        return signalData.focus();
      }
      act('Signal', `Send signal "${signalName.value}" to ${id}?`, 'POST',
        `/v1/executions/${seg(id)}/signals/${seg(signalName.value)}`, {payload});
    }}, el('label', {for: 'signal-name'}, 'Signal'), signalName, signalList,
    el('label', {for: 'signal-payload'}, 'Payload (JSON)'), signalData, el('button', {type: 'submit', id: 'signal'}, 'Send signal')),
    actionMsg);

  function select(step) {
    selected = step;
    detailBox.replaceChildren(stepDetail(step, events));
    for (const n of graphBox.querySelectorAll('.node')) n.classList.toggle('selected', n.dataset.step === step);
    detailBox.firstChild.focus({preventScroll: false});
  }

  function paint() {
    const at = currentStep(events, ex);
    head.replaceChildren(
      el('p', {class: 'crumbs'}, el('a', {href: `#/executions?flow=${encodeURIComponent(ex.flow)}`}, `← ${ex.flow} executions`)),
      el('h1', {}, 'Execution ', el('code', {}, ex.id), ' ', badge(ex.status)),
      el('dl', {class: 'facts'},
        el('dt', {}, 'Flow'), el('dd', {}, ex.flow, ' ', el('code', {title: ex.version}, short(ex.version))),
        el('dt', {}, 'Created'), el('dd', {}, time(ex.created_at)),
        el('dt', {}, 'Updated'), el('dd', {}, time(ex.updated_at)),
        el('dt', {}, 'At step'), el('dd', {}, at ? el('code', {}, at) : '—'),
        ex.parent_id ? [el('dt', {}, 'Parent'), el('dd', {}, el('a', {href: `#/executions/${encodeURIComponent(ex.parent_id)}`}, ex.parent_id))] : ''));
    data.replaceChildren(
      el('section', {class: 'panel'}, el('h2', {}, 'Input'), jsonBlock(ex.input)),
      el('section', {class: 'panel'}, el('h2', {}, ex.error ? 'Error' : 'Output'), jsonBlock(ex.error ?? ex.output)));
    const states = stepStates(events, ex);
    const focusedStep = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.step;
    graphBox.replaceChildren(graph ? drawGraph(graph, states, at, select)
      : el('p', {class: 'error'}, `The graph is not available: ${graphError}`));
    if (focusedStep) graphBox.querySelector(`[data-step="${CSS.escape(focusedStep)}"]`)?.focus();
    if (selected) {
      detailBox.replaceChildren(stepDetail(selected, events));
      graphBox.querySelector(`[data-step="${CSS.escape(selected)}"]`)?.classList.add('selected');
    }
    tl.replaceChildren(timeline(events));
    const steps = [...new Set(events.filter((e) => e.type === 'StepScheduled' || e.type === 'StepCompleted')
      .map((e) => e.step).filter((s) => !s.startsWith('compensate:')))];
    const keep = fromSel.value;
    fromSel.replaceChildren(el('option', {value: ''}, 'last checkpoint'), ...steps.map((s) => el('option', {value: s}, s)));
    if (steps.includes(keep)) fromSel.value = keep;
  }

  async function refresh(force) {
    try {
      const [x, h] = await Promise.all([api('GET', `/v1/executions/${seg(id)}`),
        api('GET', `/v1/executions/${seg(id)}/history`)]);
      if (stopped) return;
      const changed = force || x.updated_at !== ex.updated_at || x.status !== ex.status || h.events.length !== events.length;
      const versionChanged = x.version !== ex.version;
      ex = x;
      events = annotate(h.events);
      if (versionChanged) await loadGraph();
      if (changed) paint();
    } catch (e) {
      if (!stopped) actionMsg.textContent = e.message;
    }
  }
  function poll() {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(async () => { await refresh(false); poll(); }, POLL_MS);
  }

  main.replaceChildren(head, data,
    el('section', {class: 'panel'}, el('h2', {}, 'State graph'),
      el('p', {class: 'legend'}, ['completed', 'running', 'retrying', 'failed', 'compensated'].map((s) =>
        el('span', {class: `key st-${s}`}, s)), el('span', {class: 'key current'}, 'current step'),
      ' — select a step to see its requests and result'), graphBox),
    detailBox, actions, el('section', {class: 'panel'}, el('h2', {}, 'Timeline'), tl));
  paint();
  poll();
  return () => { stopped = true; clearTimeout(timer); };
}
