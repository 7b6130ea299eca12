// The state graph of a flow version, laid out in layers in the page from the nodes/edges JSON of
// GET /v1/flows/{flow}/versions/{version}/graph (the same graph `weft graph` draws from the IR),
// drawn as SVG with each step coloured by its state in one execution.
import {el} from './util.js';

const NODE_W = 184, LINE_H = 15, PAD_Y = 10, GAP_X = 36, GAP_Y = 30, MAX_CHARS = 24;

function clipText(s) { return s.length > MAX_CHARS ? s.slice(0, MAX_CHARS - 1) + '…' : s; }

/// Layered layout: ranks by longest path over the graph without its back edges, order within a
/// rank by the mean position of the predecessors (a few sweeps), coordinates from both.
export function layout(graph) {
  const nodes = graph.nodes.map((n) => ({...n, lines: n.label.split('\n').map(clipText)}));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map(nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) if (byId.has(e.from) && byId.has(e.to)) out.get(e.from).push(e);
  // Back edges (loops) by depth-first search from the start.
  const back = new Set(), state = new Map();
  const visit = (id) => {
    state.set(id, 1);
    for (const e of out.get(id)) {
      const s = state.get(e.to);
      if (s === 1) back.add(e);
      else if (!s) visit(e.to);
    }
    state.set(id, 2);
  };
  for (const n of nodes) if (!state.get(n.id)) visit(n.id);
  const forward = graph.edges.filter((e) => !back.has(e) && byId.has(e.from) && byId.has(e.to));
  // Longest-path ranks (Kahn order over the forward edges).
  const indeg = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of forward) indeg.set(e.to, indeg.get(e.to) + 1);
  const rank = new Map(nodes.map((n) => [n.id, 0]));
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  while (queue.length) {
    const id = queue.shift();
    for (const e of forward) if (e.from === id) {
      rank.set(e.to, Math.max(rank.get(e.to), rank.get(id) + 1));
      indeg.set(e.to, indeg.get(e.to) - 1);
      if (indeg.get(e.to) === 0) queue.push(e.to);
    }
  }
  // An undo note sits beside its step rather than below it.
  for (const e of forward) if (e.style === 'compensate') rank.set(e.to, rank.get(e.from));
  const layers = [];
  for (const n of nodes) (layers[rank.get(n.id)] ||= []).push(n);
  const pos = new Map();
  const place = () => layers.forEach((l) => l && l.forEach((n, i) => pos.set(n.id, i - (l.length - 1) / 2)));
  place();
  const preds = new Map(nodes.map((n) => [n.id, []]));
  for (const e of forward) if (e.style !== 'compensate') preds.get(e.to).push(e.from);
  for (let sweep = 0; sweep < 4; ++sweep) {
    for (const l of layers) {
      if (!l) continue;
      const key = (n) => {
        const p = preds.get(n.id);
        return p.length ? p.reduce((a, id) => a + pos.get(id), 0) / p.length : pos.get(n.id);
      };
      l.sort((a, b) => key(a) - key(b) || (a.style === 'note') - (b.style === 'note'));
      l.forEach((n, i) => pos.set(n.id, i - (l.length - 1) / 2));
    }
  }
  // Coordinates.
  const widest = Math.max(...layers.map((l) => (l ? l.length : 0)));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  let y = 16;
  for (const l of layers) {
    if (!l) continue;
    const h = Math.max(...l.map((n) => n.lines.length)) * LINE_H + 2 * PAD_Y;
    for (const n of l) {
      n.w = NODE_W;
      n.h = n.lines.length * LINE_H + 2 * PAD_Y;
      n.x = width / 2 + pos.get(n.id) * (NODE_W + GAP_X) - NODE_W / 2;
      n.y = y + (h - n.h) / 2;
    }
    y += h + GAP_Y;
  }
  return {nodes, byId, edges: graph.edges.filter((e) => byId.has(e.from) && byId.has(e.to)), back,
    width, height: y - GAP_Y + 16};
}

function shapeOf(n) {
  const {x, y, w, h} = n;
  switch (n.shape) {
    case 'diamond':
      return el('polygon', {points: `${x + w / 2},${y - 6} ${x + w + 6},${y + h / 2} ${x + w / 2},${y + h + 6} ${x - 6},${y + h / 2}`});
    case 'circle': case 'doublecircle':
      return el('rect', {x, y, width: w, height: h, rx: h / 2});
    case 'octagon': case 'hexagon':
      return el('polygon', {points: `${x + 10},${y} ${x + w - 10},${y} ${x + w},${y + h / 2} ${x + w - 10},${y + h} ${x + 10},${y + h} ${x},${y + h / 2}`});
    case 'parallelogram':
      return el('polygon', {points: `${x + 10},${y} ${x + w},${y} ${x + w - 10},${y + h} ${x},${y + h}`});
    default:
      return el('rect', {x, y, width: w, height: h, rx: n.shape === 'box' ? 4 : 12});
  }
}

function edgePath(a, b, backEdge) {
  if (backEdge || b.y <= a.y) {
    // Up (a loop) or sideways: out of the right side and back into the target's right side.
    const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x + b.w, y2 = b.y + b.h / 2;
    const bulge = Math.max(x1, x2) + 40;
    if (Math.abs(a.y - b.y) < 1) return `M${a.x + a.w},${y1} L${b.x},${y2}`;
    return `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
  }
  const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y;
  const m = (y1 + y2) / 2;
  return `M${x1},${y1} C${x1},${m} ${x2},${m} ${x2},${y2}`;
}

/// Draws the laid-out graph. `states` maps a step name to completed|running|retrying|failed|
/// compensated; `current` is the step to highlight; `onSelect(step)` is called when a step node is
/// clicked or activated with Enter or Space.
export function drawGraph(graph, states, current, onSelect) {
  const g = layout(graph);
  const svg = el('svg', {class: 'graph', viewBox: `0 0 ${g.width} ${g.height}`, width: g.width, height: g.height,
    role: 'group', 'aria-label': `state graph of ${graph.flow}`});
  svg.append(el('defs', {}, el('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
    markerHeight: 7, orient: 'auto-start-reverse'}, el('path', {d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead'}))));
  const edges = el('g', {class: 'edges'});
  for (const e of g.edges) {
    const a = g.byId.get(e.from), b = g.byId.get(e.to);
    const d = edgePath(a, b, g.back.has(e));
    edges.append(el('path', {d, class: `edge e-${e.style}`, 'marker-end': 'url(#arrow)'}));
    if (e.label) {
      // Just above the target (beside it for upward edges), so the labels of a branch's edges part.
      const up = g.back.has(e) || b.y <= a.y;
      edges.append(el('text', {x: up ? b.x + b.w + 8 : b.x + b.w / 2, y: up ? b.y - 4 : b.y - 5,
        class: 'edge-label', 'text-anchor': up ? 'start' : 'middle'}, clipText(e.label)));
    }
  }
  svg.append(edges);
  for (const n of g.nodes) {
    const st = n.step ? states.get(n.step) : null;
    const cls = ['node', `k-${n.shape}`, st ? `st-${st}` : '', n.step && n.step === current ? 'current' : ''].join(' ').trim();
    const attrs = {class: cls, 'data-step': n.step || null, 'data-state': st || null};
    if (n.step) Object.assign(attrs, {tabindex: 0, role: 'button',
      'aria-label': `step ${n.step}${st ? ', ' + st : ''}${n.step === current ? ', current' : ''}`});
    const node = el('g', attrs, el('title', {}, n.label + (st ? ` (${st})` : '')), shapeOf(n));
    n.lines.forEach((line, i) => node.append(el('text', {x: n.x + n.w / 2, y: n.y + PAD_Y + LINE_H * (i + 1) - 3,
      class: i === 0 ? 'label' : 'label sub', 'text-anchor': 'middle'}, line)));
    if (n.step) {
      node.addEventListener('click', () => onSelect(n.step));
      node.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); onSelect(n.step); }
      });
    }
    svg.append(node);
  }
  return svg;
}
