// Tools: per tool (or per MCP server), the calls of the sessions that started in a range: their
// failures, denials, p50/p95/max duration, share of the sessions' time and calls per day. Opening a tool lists its slowest and
// latest failing calls, each a link to its session.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { datetime, duration, num, percent } from './format.js';
import { chartTable } from './chart-table.js';
import { iso, rangeOf, rangePicker, sessionsIn } from './ranges.js';
import { href, path } from './routes.js';
import { card } from './widgets.js';

export async function toolsPage(root) {
  const params = new URLSearchParams(location.search);
  const range = rangeOf(location.search);
  const by = params.get('by') === 'mcp_server' ? 'mcp_server' : 'tool';
  const to = Date.now();
  const from = to - range.ms;
  const span = { from: iso(from), to: iso(to) };
  const body = await api('/api/analytics/tools', { ...span, by });
  const link = (change) => href.tools({ range: range.key, by, ...change });
  const detail = h('div', { dataset: { card: 'tool-calls' } });
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Tools'),
      h(
        'div',
        { class: 'segmented', role: 'group', 'aria-label': 'Group by' },
        h('a', { href: link({ by: 'tool' }), class: [by === 'tool' && 'active'] }, 'By tool'),
        h('a', { href: link({ by: 'mcp_server' }), class: [by === 'mcp_server' && 'active'] }, 'By MCP server'),
      ),
      h('span', { class: 'spacer' }),
      rangePicker(range, (key) => link({ range: key })),
    ),
    body.tools.length
      ? card(
          by === 'tool' ? 'Tools' : 'MCP servers',
          'tools',
          toolsTable(body.tools, by, detail, span, (t) => sessionsIn(from, to, { [by]: t.name })),
          h(
            'p',
            { class: 'muted' },
            'The calls of the sessions that started in the range. p50 and p95 are within 3.1% (read from duration buckets); Max is exact.',
          ),
          perDayTable(body.tools, (t) => sessionsIn(from, to, { [by]: t.name })),
        )
      : h('div', { class: 'empty' }, h('h3', {}, 'No tool calls in this range')),
    detail,
  );
  return null;
}

function toolsTable(tools, by, detail, span, behind) {
  const heads = ['Name', 'Calls', 'Error rate', 'Denials', 'p50', 'p95', 'Max', 'Share of session time', 'Per day'];
  return h(
    'table',
    { class: 'issues tools' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        heads.map((c, i) => h('th', { class: i > 0 && i < 8 ? 'num' : null, scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      tools.map((t) =>
        h(
          'tr',
          { dataset: { tool: t.name } },
          h(
            'td',
            {},
            by === 'tool'
              ? h(
                  'button',
                  { class: 'btn-link', type: 'button', onclick: () => openTool(t.name, detail, span) },
                  t.name,
                )
              : t.name,
          ),
          h('td', { class: 'num' }, h('a', { href: behind(t), dataset: { sessionsOf: t.name } }, num(t.calls))),
          h('td', { class: 'num', title: `${t.failures} failed` }, percent(t.error_rate)),
          h('td', { class: 'num' }, num(t.denials)),
          h('td', { class: 'num' }, duration(t.p50_ms)),
          h('td', { class: 'num' }, duration(t.p95_ms)),
          h('td', { class: 'num' }, duration(t.max_ms)),
          h('td', { class: 'num' }, percent(t.share_of_session_time)),
          h('td', {}, spark(t.per_day)),
        ),
      ),
    ),
  );
}

/** Bars of calls per day, each titled with its day and count. */
function spark(days) {
  const max = Math.max(1, ...days.map(([, n]) => n));
  return h(
    'span',
    { class: 'spark' },
    days.map(([day, n]) =>
      h('span', {
        class: 'spark-bar',
        style: { height: `${Math.max(8, (n / max) * 100)}%` },
        title: `${day.slice(0, 10)}: ${n}`,
      }),
    ),
  );
}

async function openTool(name, detail, span) {
  const t = await api(path`/api/analytics/tools/${name}`, span);
  const calls = (list, empty) =>
    list.length
      ? h(
          'ul',
          { class: 'calls' },
          list.map((c) =>
            h(
              'li',
              { dataset: { call: c.tool_use_id } },
              h('a', { href: href.session(c.session_id) }, c.session_id),
              ` · ${duration(c.duration_ms)} · ${c.status}`,
              c.error ? ` · ${c.error}` : '',
              h('span', { class: 'muted small' }, ` · ${datetime(c.started_at)}`),
            ),
          ),
        )
      : h('p', { class: 'muted' }, empty);
  replace(
    detail,
    card(
      `${name}: its calls`,
      'tool-detail',
      h('h4', {}, 'Slowest'),
      calls(t.slowest, 'No timed calls.'),
      h('h4', {}, 'Failing, latest first'),
      calls(t.failing, 'No failed calls.'),
    ),
  );
}

/** The calls per day of every tool as a table (the sparklines' figures), each tool's row linking
 * to the sessions that called it. */
function perDayTable(tools, behind) {
  const days = [...new Set(tools.flatMap((t) => t.per_day.map(([day]) => day.slice(0, 10))))].sort();
  return chartTable(
    [{ label: 'Calls per day' }, ...days.map((d) => ({ label: d.slice(5), num: true }))],
    tools.map((t) => {
      const byDay = new Map(t.per_day.map(([day, n]) => [day.slice(0, 10), n]));
      return [{ text: t.name, href: behind(t) }, ...days.map((d) => num(byDay.get(d) ?? 0))];
    }),
    'tools-per-day',
  );
}
