// The overview's scores and custom metrics: per name and agent, the average over the range and a
// bar per bucket (its height the bucket's average, between the lowest and the highest average of
// that name).

import { h } from './dom.js';
import { num } from './format.js';
import { href } from './routes.js';

/** Scores: averaged as given, each name a link to its sessions. */
export const SCORES = {
  list: 'scores',
  heading: 'Score',
  counted: 'Scores',
  link: (name) => href.sessions({ score: name }),
};

/** Custom metrics: averaged by their session's start, each name a link to the sessions list's filter. */
export const METRICS = {
  list: 'metrics',
  heading: 'Metric',
  counted: 'Sessions',
  link: (name) => href.sessions({ metric: name }),
};

/** The table of `o[of.list]` over the overview's `buckets` (each `{ start }`), labelled by `label`. */
export function scoreAverages(o, buckets, label, of = SCORES) {
  const averages = o[of.list] || [];
  const rows = new Map();
  for (const a of averages) {
    const key = JSON.stringify([a.name, a.agent]);
    const row = rows.get(key) ?? { name: a.name, agent: a.agent, byStart: new Map(), sum: 0, count: 0 };
    row.byStart.set(Date.parse(a.start), a);
    row.sum += a.average * a.count;
    row.count += a.count;
    rows.set(key, row);
  }
  const range = new Map();
  for (const a of averages) {
    const [lo, hi] = range.get(a.name) ?? [a.average, a.average];
    range.set(a.name, [Math.min(lo, a.average), Math.max(hi, a.average)]);
  }
  const sorted = [...rows.values()].sort(
    (x, y) => x.name.localeCompare(y.name) || (x.agent ?? '').localeCompare(y.agent ?? ''),
  );
  return h(
    'table',
    { class: 'by-model score-averages', dataset: { averages: of.list } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [of.heading, 'Agent', 'Average', of.counted, 'Over time'].map((c, i) =>
          h('th', { class: i === 2 || i === 3 ? 'num' : null }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      sorted.map((r) => {
        const [lo, hi] = range.get(r.name);
        const bars = buckets.map((b) => {
          const a = r.byStart.get(Date.parse(b.start));
          if (!a) return h('span', { class: 'spark-bar is-empty', title: `${label(b.start)}: none` });
          const share = hi > lo ? (a.average - lo) / (hi - lo) : 1;
          return h('span', {
            class: 'spark-bar c-score',
            title: `${label(b.start)}: ${round(a.average)} over ${a.count}`,
            dataset: { average: String(a.average) },
            style: { height: `${Math.max(12, share * 100)}%` },
          });
        });
        const behind = href.sessions({ score: r.name, agent: r.agent });
        return h(
          'tr',
          { dataset: { [of.list === 'scores' ? 'score' : 'metric']: r.name, agent: r.agent ?? '' } },
          h('td', {}, h('a', { href: of.link(r.name) }, r.name)),
          h('td', {}, r.agent ?? h('span', { class: 'muted' }, '(not received yet)')),
          h('td', { class: 'num' }, h('a', { href: behind }, round(r.sum / r.count))),
          h('td', { class: 'num' }, h('a', { href: behind }, num(r.count))),
          h('td', {}, h('div', { class: 'spark' }, bars)),
        );
      }),
    ),
  );
}

function round(n) {
  return String(Math.round(n * 100) / 100);
}
