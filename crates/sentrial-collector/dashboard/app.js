// The dashboard's entry: picks the view from the path, runs it, and shows errors as errors.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { conversationPage } from './page-conversation.js';
import { loginPage } from './page-login.js';
import { overviewPage } from './page-overview.js';
import { sessionPage } from './page-session.js';
import { sessionsPage } from './page-sessions.js';
import { transcriptPage } from './page-transcript.js';

const ROUTES = [
  { re: /^\/$/, nav: 'sessions', title: 'Sessions', view: sessionsPage },
  { re: /^\/overview$/, nav: 'overview', title: 'Overview', view: overviewPage },
  { re: /^\/sessions\/([^/]+)$/, nav: 'sessions', title: 'Session', view: sessionPage },
  { re: /^\/sessions\/([^/]+)\/transcript$/, nav: 'sessions', title: 'Transcript', view: transcriptPage },
  { re: /^\/conversations\/([^/]+)$/, nav: 'sessions', title: 'Conversation', view: conversationPage },
  { re: /^\/login$/, nav: null, title: 'Sign in', view: loginPage },
];

async function start() {
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  const setLive = (on) => {
    live.hidden = !on;
  };
  const route = ROUTES.find((r) => r.re.test(location.pathname));
  if (!route) {
    replace(main, h('div', { class: 'empty' }, h('h3', {}, 'Nothing here'), h('a', { href: '/' }, 'Back to sessions')));
    return;
  }
  const [, id] = location.pathname.match(route.re);
  document.title = `${route.title} · Sentrial`;
  document.body.dataset.view = route.nav ?? 'login';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === route.nav);
  document.getElementById('signout').hidden = route.nav === null;
  document.getElementById('nav').hidden = route.nav === null;
  try {
    await route.view(main, { id: id && decodeURIComponent(id), setLive });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    const notFound = err instanceof ApiError && err.status === 404;
    replace(
      main,
      h(
        'div',
        { class: 'empty' },
        h('h3', {}, notFound ? 'Not found' : 'Something went wrong'),
        h('p', { class: 'muted' }, err.message),
        h('a', { href: '/' }, 'Back to sessions'),
      ),
    );
    if (!notFound) console.error(err);
  }
  document.body.dataset.ready = 'true';
}

start();
