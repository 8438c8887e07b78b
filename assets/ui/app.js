// The dashboard shell: sign-in, navigation and hash routing (`#/definitions`, `#/syncs`,
// `#/syncs/12`, `#/lists`). Each page renders into <main> and stops its refreshes when the
// route changes (its AbortSignal fires).

import { account, ApiError, describe, signIn, signOut } from './api.js';
import { h, replace } from './dom.js';
import { definitionsPage, listsPage, syncsPage } from './pages.js';
import { syncPage } from './sync.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const notice = document.getElementById('notice');

const PAGES = [
  { hash: '#/definitions', label: 'Definitions' },
  { hash: '#/syncs', label: 'Syncs' },
  { hash: '#/lists', label: 'Lists and groups' },
];

let current = null;

/** Shows a message in the live region (read out by screen readers), or clears it. */
function say(text, kind = 'error') {
  notice.className = text ? `notice notice-${kind}` : 'notice';
  notice.textContent = text ?? '';
}

function route() {
  current?.abort();
  current = new AbortController();
  say(null);
  if (!account()) return showSignIn();
  const hash = location.hash || '#/definitions';
  const sync = /^#\/syncs\/(\d+)$/.exec(hash);
  const page = sync ? { render: (ctx) => syncPage(ctx, sync[1]), active: '#/syncs' }
    : hash === '#/syncs' ? { render: syncsPage, active: hash }
      : hash === '#/lists' ? { render: listsPage, active: hash }
        : { render: definitionsPage, active: '#/definitions' };
  showShell(page.active);
  const ctx = { main, signal: current.signal, fail: (error) => failed(error, ctx) };
  page.render(ctx).catch(ctx.fail);
}

/** A failed call: a 401 means the credentials stopped working (signs out); others are shown. */
function failed(error, ctx) {
  if (error?.name === 'AbortError' || ctx.signal.aborted) return;
  if (error instanceof ApiError && error.status === 401) {
    signOut();
    showSignIn();
  }
  say(describe(error));
}

function showShell(active) {
  const me = account();
  replace(nav, h('ul', {}, PAGES.map((p) =>
    h('li', {}, h('a', { href: p.hash, 'aria-current': p.hash === active ? 'page' : null }, p.label)))));
  replace(who,
    h('span', {}, `${me.site}\\${me.user}`),
    h('button', { type: 'button', onclick: () => { signOut(); route(); } }, 'Sign out'));
}

function showSignIn() {
  replace(nav);
  replace(who);
  document.title = 'Sign in · Loquat';
  const field = (id, label, type, autocomplete) => h('p', {},
    h('label', { for: id }, label),
    h('input', { id, name: id, type, autocomplete, required: true }));
  const form = h('form', { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', { class: 'hint' }, 'With the site credentials an API client uses (HTTP Basic Site\\User:password).'),
    field('site', 'Site', 'text', 'organization'),
    field('user', 'User', 'text', 'username'),
    field('password', 'Password', 'password', 'current-password'),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector('button');
    button.disabled = true;
    say(null);
    try {
      await signIn(String(data.get('site')).trim(), String(data.get('user')).trim(), String(data.get('password')));
      form.reset();
      route();
    } catch (error) {
      say(describe(error));
      button.disabled = false;
    }
  });
  replace(main, form);
  form.querySelector('input').focus();
}

window.addEventListener('hashchange', route);
route();
