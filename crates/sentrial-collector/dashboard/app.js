// The dashboard's entry: the router. It finds the page a path names (routes.js), runs its view and
// shows errors as errors. Links between pages are followed without a reload, and the page shown is
// left first: its view's cleanup (what it returned: timers, listeners) runs when the route changes.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { alertsPage } from './page-alerts.js';
import { conversationPage } from './page-conversation.js';
import { issuesPage } from './page-issues.js';
import { loginPage } from './page-login.js';
import { overviewPage } from './page-overview.js';
import { sessionPage } from './page-session.js';
import { sessionsPage } from './page-sessions.js';
import { toolsPage } from './page-tools.js';
import { transcriptPage } from './page-transcript.js';
import { userPage } from './page-user.js';
import { usersPage } from './page-users.js';
import { comparePage } from './page-compare.js';
import { href, ROUTES, routeOf } from './routes.js';

/**
 * The view of each page: `view(root, { id, setLive })` renders into `root` and resolves to what
 * ends it (a function, or null), called when the route changes.
 */
const VIEWS = {
  sessions: sessionsPage,
  overview: overviewPage,
  issues: issuesPage,
  alerts: alertsPage,
  users: usersPage,
  tools: toolsPage,
  compare: comparePage,
  user: userPage,
  session: sessionPage,
  transcript: transcriptPage,
  conversation: conversationPage,
  login: loginPage,
};

const main = document.getElementById('main');
const live = document.getElementById('live');
const nav = document.getElementById('nav');

/** Ends the view shown: it stops drawing, and its cleanup runs (now, or once it has one). */
let leaveShown = () => {};

/** Shows the page of the current location, in a root of its own, after leaving the one shown. */
async function show() {
  leaveShown();
  let left = false;
  let cleanup = null;
  leaveShown = () => {
    left = true;
    end(cleanup);
  };
  delete document.body.dataset.ready;
  live.hidden = true;
  const setLive = (on) => {
    if (!left) live.hidden = !on;
  };
  // A view still loading when the route changes draws into its root, which is no longer shown.
  const root = h('div', { class: 'view' }, h('p', { class: 'loading' }, 'Loading…'));
  replace(main, root);
  const found = routeOf(location.pathname);
  if (!found) {
    replace(
      root,
      h('div', { class: 'empty' }, h('h3', {}, 'Nothing here'), h('a', { href: href.sessions() }, 'Back to sessions')),
    );
    return;
  }
  const { route, rawId } = found;
  document.title = `${route.title} · Sentrial`;
  document.body.dataset.view = route.nav ?? 'login';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.nav === route.nav);
  document.getElementById('signout').hidden = route.nav === null;
  nav.hidden = route.nav === null;
  try {
    const ended = await VIEWS[route.name](root, { id: rawId && decodeURIComponent(rawId), setLive });
    cleanup = typeof ended === 'function' ? ended : null;
    if (left) end(cleanup);
  } catch (err) {
    if (left || (err instanceof ApiError && err.status === 401)) return;
    const notFound = err instanceof ApiError && err.status === 404;
    replace(
      root,
      h(
        'div',
        { class: 'empty' },
        h('h3', {}, notFound ? 'Not found' : 'Something went wrong'),
        h('p', { class: 'muted' }, err.message),
        h('a', { href: href.sessions() }, 'Back to sessions'),
      ),
    );
    if (!notFound) console.error(err);
  }
  if (!left) document.body.dataset.ready = 'true';
}

/** Runs a view's cleanup, once. */
function end(cleanup) {
  if (!cleanup) return;
  try {
    cleanup();
  } catch (err) {
    console.error(err);
  }
}

/** A plain click on a link to a page of the dashboard shows that page without a reload. */
function follow(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
  if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || url.hash || !routeOf(url.pathname)) return;
  e.preventDefault();
  history.pushState(null, '', url.href);
  window.scrollTo(0, 0);
  show();
}

nav.replaceChildren(
  ...ROUTES.filter((r) => r.menu).map((r) => h('a', { href: href[r.name](), dataset: { nav: r.nav } }, r.menu)),
);
document.addEventListener('click', follow);
window.addEventListener('popstate', show);
show();
