// Every chart can be read as a table: a closed <details> under it holding the same figures, each
// a link to the sessions behind it when the chart knows them.

import { h } from './dom.js';

/**
 * A table of `rows` under `columns` ([{ label, num }]), folded in a <details>. A cell is text, a
 * node, or { text, href } (a link). `name` is the table's `data-table`, which tests find it by.
 */
export function chartTable(columns, rows, name = null) {
  const cell = (c, i) => {
    const content =
      c && typeof c === 'object' && 'text' in c ? (c.href ? h('a', { href: c.href }, c.text) : c.text) : c;
    return h('td', { class: columns[i]?.num ? 'num' : null }, content ?? '—');
  };
  return h(
    'details',
    { class: 'chart-table', dataset: name ? { table: name } : null },
    h('summary', {}, 'Show as a table'),
    h(
      'table',
      { class: 'issues' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) => h('tr', {}, r.map(cell))),
      ),
    ),
  );
}
