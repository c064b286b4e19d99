// The time ranges the overview and the issues pages offer, the picker between them, and times as
// the sessions list's filter form reads them.

import { h } from './dom.js';
import { href } from './routes.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const RANGES = [
  { key: '24h', label: '24 hours', ms: DAY },
  { key: '7d', label: '7 days', ms: 7 * DAY },
  { key: '30d', label: '30 days', ms: 30 * DAY },
  { key: '90d', label: '90 days', ms: 90 * DAY },
];

/** The range the page's `?range=` names (7 days by default). */
export function rangeOf(search) {
  const key = new URLSearchParams(search).get('range') ?? '7d';
  return RANGES.find((r) => r.key === key) ?? RANGES[1];
}

/** Links to each range: `link(key)` is the page with that range. */
export function rangePicker(range, link) {
  return h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Time range' },
    RANGES.map((r) =>
      h(
        'a',
        { href: link(r.key), class: r === range ? 'active' : null, 'aria-current': r === range ? 'true' : null },
        r.label,
      ),
    ),
  );
}

/** A time (ms) as an ISO string, what the API takes. */
export function iso(ms) {
  return new Date(ms).toISOString();
}

/** A time (ms) as the sessions list's `from` and `to` fields take it: local, to the millisecond. */
export function localTime(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The sessions list filtered to `filters` and to sessions that started in `[from, to)` (ms). */
export function sessionsIn(from, to, filters = {}) {
  return href.sessions({ ...filters, from: localTime(from), to: localTime(to) });
}
