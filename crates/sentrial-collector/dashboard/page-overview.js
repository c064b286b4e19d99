// Overview: sessions and cost over time, by agent and by user, the tools most called, most
// failing and slowest, and the average of each score per agent over time.

import { api } from './api.js';
import { barList } from './charts.js';
import { h, replace } from './dom.js';
import { cost, duration, num, percent, tokens } from './format.js';
import { bucketLabel, bucketRange, costChart, everyBucket, sessionsChart } from './buckets.js';
import { rangeOf, rangePicker, sessionsIn } from './ranges.js';
import { METRICS, scoreAverages } from './score-averages.js';
import { href } from './routes.js';
import { card, stat } from './widgets.js';

export async function overviewPage(root) {
  const range = rangeOf(location.search);
  const { from, to } = bucketRange(range);
  const o = await api('/api/overview', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const t = o.totals;
  const buckets = everyBucket(o, { sessions: 0, failed: 0, cost_usd: 0, total_tokens: 0 });
  const label = bucketLabel(o.bucket_ms);
  const since = new Date(Date.parse(o.from)).toISOString();
  const [start, end] = [Date.parse(o.from), Date.parse(o.to)];
  /** The sessions behind a figure of the whole range. */
  const behind = (filters) => sessionsIn(start, end, filters);
  /** The sessions behind a figure of one bucket. */
  const inBucket = (b, filters) => sessionsIn(Date.parse(b.start), Date.parse(b.start) + o.bucket_ms, filters);
  const linked = (text, link) => h('a', { href: link }, text);

  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Overview'),
      h('span', { class: 'spacer' }),
      rangePicker(range, (key) => href.overview({ range: key })),
    ),
    h('p', { class: 'muted small', dataset: { retention: o.retention_days ?? 'none' } }, retentionText(o)),
    h(
      'div',
      { class: 'stats' },
      stat('Sessions', linked(num(t.sessions), behind()), t.running ? `${t.running} running` : null),
      stat(
        'Failed',
        linked(num(t.failed), behind({ status: 'failed' })),
        t.sessions ? `${percent(t.failed / t.sessions)} of sessions` : null,
      ),
      stat(
        'Cost',
        linked(cost(t.cost_usd), behind()),
        t.sessions ? `${cost(t.cost_usd / t.sessions)} a session` : null,
      ),
      stat('Tokens', linked(tokens(t.total_tokens), behind())),
      stat('Avg duration', duration(t.avg_duration_ms)),
    ),
    h(
      'div',
      { class: 'two' },
      card(
        'Sessions over time',
        null,
        sessionsChart(buckets, {
          label,
          title: (b) => `${label(b.start)}: ${b.sessions} sessions, ${b.failed} failed`,
          inBucket,
          name: 'sessions-over-time',
        }),
      ),
      card('Cost over time', null, costChart(buckets, { label, inBucket, name: 'cost-over-time' })),
    ),
    h(
      'div',
      { class: 'two' },
      card(
        'By agent',
        null,
        barList(
          o.by_agent.map((g) => ({
            label: g.key ?? '(unknown)',
            value: g.sessions,
            text: `${num(g.sessions)} · ${cost(g.cost_usd)}`,
            sub: g.failed ? `${g.failed} failed` : null,
            href: g.key ? behind({ agent: g.key }) : null,
            className: 'c-ok',
          })),
        ),
      ),
      card(
        'By user',
        null,
        barList(
          o.by_user.map((g) => ({
            label: g.key ?? '(unknown)',
            value: g.sessions,
            text: `${num(g.sessions)} · ${cost(g.cost_usd)}`,
            sub: g.failed ? `${g.failed} failed` : null,
            href: g.key ? behind({ user_id: g.key }) : null,
            className: 'c-user',
          })),
        ),
      ),
    ),
    h(
      'div',
      { class: 'three' },
      card(
        'Tools most called',
        null,
        barList(
          o.tools_most_called.map((t) => ({
            label: t.tool_name,
            value: t.calls,
            text: num(t.calls),
            href: behind({ tool: t.tool_name }),
            className: 'c-tool',
          })),
        ),
      ),
      card(
        'Tools most failing',
        null,
        barList(
          o.tools_most_failing.map((t) => ({
            label: t.tool_name,
            value: t.failures,
            text: `${num(t.failures)} · ${percent(t.failures / t.calls)}`,
            sub: `of ${num(t.calls)} calls`,
            href: behind({ tool: t.tool_name }),
            className: 'c-fail',
          })),
          { empty: 'No failed tool calls in this range.' },
        ),
      ),
      card(
        'Slowest tools',
        null,
        barList(
          o.tools_slowest.map((t) => ({
            label: t.tool_name,
            value: t.avg_duration_ms,
            text: duration(t.avg_duration_ms),
            sub: `avg · max ${duration(t.max_duration_ms)}`,
            href: behind({ tool: t.tool_name }),
            className: 'c-slow',
          })),
        ),
      ),
    ),
    o.scores.length ? card('Scores by agent', 'score-averages', scoreAverages(o, buckets, label)) : null,
    o.metrics?.length
      ? card('Custom metrics by agent', 'metric-averages', scoreAverages(o, buckets, label, METRICS))
      : null,
    h(
      'p',
      { class: 'muted small' },
      'Sessions and custom metrics counted by their start, scores by when they were given, from ',
      new Date(since).toLocaleString(),
      '.',
    ),
  );
  return null;
}

/** What the overview says about how long the project's sessions are kept, and who set it. */
function retentionText(o) {
  const days = o.retention_days;
  if (!days) return 'Sessions are kept until deleted (no retention set).';
  const source = o.retention?.project_days
    ? "this project's own retention; PUT /api/retention changes it"
    : "the collector's --retention-days";
  return `Sessions are kept ${days} day${days === 1 ? '' : 's'} after they start, then deleted (${source}).`;
}
