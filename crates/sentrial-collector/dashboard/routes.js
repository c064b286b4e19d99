// The dashboard's pages and the URLs to them, written once: the router (app.js) finds a page by
// its path here, the nav is drawn from here, and pages link to each other through `href`. The
// collector serves index.html at these paths (src/dashboard/mod.rs).

/** Each page: its path (`:id` is one URL-encoded segment), title, nav entry and menu label. */
const PAGES = {
  sessions: { path: '/', title: 'Sessions', nav: 'sessions', menu: 'Sessions' },
  overview: { path: '/overview', title: 'Overview', nav: 'overview', menu: 'Overview' },
  issues: { path: '/issues', title: 'Issues', nav: 'issues', menu: 'Issues' },
  alerts: { path: '/alerts', title: 'Alerts', nav: 'alerts', menu: 'Alerts' },
  users: { path: '/users', title: 'Users', nav: 'users', menu: 'Users' },
  tools: { path: '/tools', title: 'Tools', nav: 'tools', menu: 'Tools' },
  compare: { path: '/compare', title: 'Compare', nav: 'compare', menu: 'Compare' },
  user: { path: '/users/:id', title: 'User', nav: 'users' },
  session: { path: '/sessions/:id', title: 'Session', nav: 'sessions' },
  transcript: { path: '/sessions/:id/transcript', title: 'Transcript', nav: 'sessions' },
  conversation: { path: '/conversations/:id', title: 'Conversation', nav: 'sessions' },
  login: { path: '/login', title: 'Sign in', nav: null },
};

/** The pages, each with its `name` and the pattern its path matches. */
export const ROUTES = Object.entries(PAGES).map(([name, page]) => ({
  name,
  ...page,
  pattern: new RegExp(`^${page.path.replace(':id', '([^/]+)')}$`),
}));

/** The page at `pathname` and its `:id` as it is in the path (still URL-encoded), or null. */
export function routeOf(pathname) {
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (m) return { route, rawId: m[1] };
  }
  return null;
}

/** A path with its dynamic segments URL-encoded: path`/api/sessions/${id}`. */
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ''), '');
}

/** `base` with a query string made of the non-empty entries of `params`. */
export function withQuery(base, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/**
 * Links to the pages: `href.sessions({ agent })`, `href.session(id)`, `href.overview({ range })`;
 * a page with an `:id` takes it first, then the query parameters.
 */
export const href = Object.fromEntries(
  ROUTES.map((r) => [
    r.name,
    r.path.includes(':id')
      ? (id, params) => withQuery(r.path.replace(':id', encodeURIComponent(id)), params)
      : (params) => withQuery(r.path, params),
  ]),
);
