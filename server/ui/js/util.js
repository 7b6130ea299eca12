// Small DOM and formatting helpers shared by the console's pages (no framework).

/// Creates an element: el('a', {href: '#/x', class: 'c'}, 'text', child...). Attributes starting
/// with "on" are listeners; null/false attributes and children are skipped.
export function el(tag, attrs = {}, ...children) {
  const e = tag === 'svg' || svgTags.has(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const svgTags = new Set(['g', 'rect', 'path', 'text', 'tspan', 'title', 'polygon', 'ellipse', 'line', 'defs', 'marker']);

/// A <time> showing `iso` in the viewer's time zone, with the UTC time in its title.
export function time(iso) {
  if (!iso) return el('span', {class: 'muted'}, '—');
  const d = new Date(iso);
  if (isNaN(d)) return el('span', {}, iso);
  const local = d.toLocaleString(undefined, {year: 'numeric', month: 'short', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit'});
  return el('time', {datetime: iso, title: d.toISOString().replace('T', ' ').replace('Z', ' UTC')}, local);
}

/// "850 ms", "2.4 s", "3 min 5 s", "2 h 4 min".
export function duration(ms) {
  if (ms === null || ms === undefined || isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3600000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  return `${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
}

/// Pretty JSON in a <pre> (or a dash for null/undefined).
export function jsonBlock(v) {
  if (v === null || v === undefined) return el('p', {class: 'muted'}, 'none');
  return el('pre', {class: 'json'}, JSON.stringify(v, null, 2));
}

/// A status badge.
export function badge(status) {
  return el('span', {class: `badge s-${status}`}, status);
}

/// Makes a table row open `href` on click and on Enter (it is focusable).
export function linkRow(tr, href) {
  tr.tabIndex = 0;
  tr.classList.add('rowlink');
  tr.addEventListener('click', (e) => { if (!e.target.closest('a,button')) location.hash = href; });
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) location.hash = href; });
  return tr;
}

/// The first 12 characters of a version hash.
export const short = (v) => (v || '').slice(0, 12);
