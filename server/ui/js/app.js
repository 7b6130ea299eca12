// The console's entry point: hash routing, login, and the three pages (flows, executions, one
// execution). Every datum comes from the public /v1 API (js/api.js).
import {api, authRequired, token} from './api.js';
import {el} from './util.js';
import {flowsPage} from './flows.js';
import {executionsPage} from './executions.js';
import {executionPage} from './execution.js';

const main = document.getElementById('main');
let needsAuth = true;
let stopPage = null;  // the current page's cleanup (stops polling)
let generation = 0;   // renders started; a page whose render was overtaken is stopped at once

/// Shows `msg` in the alert bar (or hides it with null).
export function notice(msg) {
  const n = document.getElementById('notice');
  n.hidden = !msg;
  n.textContent = msg || '';
}

function loginPage() {
  const input = el('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    placeholder: 'weft_…', spellcheck: 'false'});
  const error = el('p', {class: 'error', role: 'alert', id: 'login-error'});
  const form = el('form', {class: 'login', onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api('GET', '/v1/flows', undefined, input.value.trim());
      token.set(input.value.trim());
      location.hash = sessionStorage.getItem('weft.after') || '#/executions';
      sessionStorage.removeItem('weft.after');
      render();
    } catch (err) {
      error.textContent = err.status === 401 ? 'That token is not valid.' : err.message;
      input.focus();
    }
  }},
  el('h1', {}, 'Log in'),
  el('p', {}, 'Paste an API token (', el('code', {}, 'weft token create --name me'), '). It is kept in this tab only.'),
  el('label', {for: 'token'}, 'Token'), input, el('button', {type: 'submit'}, 'Log in'), error);
  main.replaceChildren(form);
  input.focus();
}

async function render() {
  const mine = ++generation;
  if (stopPage) { stopPage(); stopPage = null; }
  notice(null);
  const hash = location.hash || '#/executions';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  document.getElementById('logout').hidden = !needsAuth || !token.get();
  for (const a of document.querySelectorAll('[data-nav]'))
    a.toggleAttribute('aria-current', path.startsWith('/' + a.dataset.nav));
  if (needsAuth && !token.get()) {
    if (path !== '/login') sessionStorage.setItem('weft.after', hash);
    return loginPage();
  }
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    // The page renders into its own box, shown only if no later render overtook it.
    const box = el('div', {class: 'page'});
    let stop;
    if (parts[0] === 'flows') stop = await flowsPage(box);
    else if (parts[0] === 'executions' && parts[1]) stop = await executionPage(box, parts[1]);
    else stop = await executionsPage(box, params);
    if (mine === generation) {
      stopPage = stop;
      main.replaceChildren(box);
    } else if (stop) {
      stop();
    }
  } catch (e) {
    if (mine === generation) main.replaceChildren(el('h1', {}, 'Error'), el('p', {class: 'error'}, e.message));
  }
}

window.addEventListener('weft-unauthorized', () => {
  if (!needsAuth || !token.get()) return;  // the login form reports its own refusals
  token.clear();
  render();
});
window.addEventListener('hashchange', () => { render(); main.focus({preventScroll: true}); });
document.getElementById('logout').addEventListener('click', () => {
  token.clear();
  location.hash = '#/login';
  render();
});

(async () => {
  try {
    needsAuth = await authRequired();
  } catch (e) {
    main.replaceChildren(el('p', {class: 'error'}, e.message));
    return;
  }
  render();
})();
