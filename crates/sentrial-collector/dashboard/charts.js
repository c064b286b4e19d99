// Small charts drawn as SVG and plain elements: no library, nothing fetched.

import { chartTable } from './chart-table.js';
import { h, svg } from './dom.js';

/**
 * A column chart. `bars`: [{ label, values: [n, ...], title, links }], stacked bottom-up in the
 * order of `series`: [{ name, className }]. `format` labels the y axis and the table under the
 * chart (a row per bar, headed `labelHeader`), where each value links to `links[k]` if given.
 */
export function columnChart({
  bars,
  series,
  format = String,
  height = 200,
  ariaLabel,
  integer = false,
  labelHeader = 'Period',
  name = null,
}) {
  const width = 560;
  const m = { top: 12, right: 8, bottom: 26, left: 56 };
  const innerW = width - m.left - m.right;
  const innerH = height - m.top - m.bottom;
  let max = niceMax(Math.max(0, ...bars.map((b) => b.values.reduce((a, v) => a + v, 0))));
  // Counts: four gridlines on whole numbers.
  if (integer) max = Math.max(4, Math.ceil(max / 4) * 4);
  const root = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': ariaLabel,
  });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = m.top + innerH - (innerH * i) / 4;
    root.append(
      svg('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y, y2: y }),
      svg('text', { class: 'axis', x: m.left - 8, y: y + 4, 'text-anchor': 'end' }, format(v)),
    );
  }
  const step = innerW / Math.max(bars.length, 1);
  const barW = Math.max(1, Math.min(48, step * 0.72));
  const labelEvery = Math.ceil(bars.length / 8);
  bars.forEach((bar, i) => {
    const x = m.left + step * i + (step - barW) / 2;
    let y = m.top + innerH;
    const group = svg('g', {}, svg('title', {}, bar.title ?? bar.label));
    bar.values.forEach((v, k) => {
      const hgt = max ? (innerH * v) / max : 0;
      y -= hgt;
      if (hgt > 0) group.append(svg('rect', { class: series[k].className, x, y, width: barW, height: hgt, rx: 2 }));
    });
    // An invisible full-height hit area, so the tooltip shows over empty buckets too.
    group.append(svg('rect', { class: 'hit', x: m.left + step * i, y: m.top, width: step, height: innerH }));
    root.append(group);
    if (i % labelEvery === 0) {
      root.append(svg('text', { class: 'axis', x: x + barW / 2, y: height - 8, 'text-anchor': 'middle' }, bar.label));
    }
  });
  const legend = h(
    'div',
    { class: 'legend' },
    series.map((s) => h('span', { class: 'legend-item' }, h('i', { class: ['swatch', s.className] }), s.name)),
  );
  const table = chartTable(
    [{ label: labelHeader }, ...series.map((s) => ({ label: s.name, num: true }))],
    bars.map((b) => [b.label, ...b.values.map((v, k) => ({ text: format(v), href: b.links?.[k] }))]),
    name,
  );
  return h('figure', { class: 'chart-wrap' }, root, series.length > 1 ? legend : null, table);
}

/** Rounds up to 1, 2 or 5 times a power of ten, so the axis reads well. */
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (v <= f * p) return f * p;
  return 10 * p;
}

/**
 * Horizontal bars: [{ label, value, text, href, className, sub }]. Bars scale to the largest
 * value; `text` is what is written beside the bar (and in the table under it, with `sub`, both
 * links to `href`: the sessions behind the bar).
 */
export function barList(items, { empty = 'Nothing in this range.', labelHeader = 'Name', name = null } = {}) {
  if (!items.length) return h('p', { class: 'muted small' }, empty);
  const max = Math.max(...items.map((i) => i.value), 0) || 1;
  const table = chartTable(
    [{ label: labelHeader }, { label: 'Figures', num: true }, { label: '' }],
    items.map((i) => [i.label, { text: i.text, href: i.href }, i.sub ?? '']),
    name,
  );
  return h('div', {}, barListBars(items, max), table);
}

function barListBars(items, max) {
  return h(
    'ol',
    { class: 'barlist' },
    items.map((item) =>
      h(
        'li',
        {},
        h(
          'div',
          { class: 'barlist-label' },
          item.href ? h('a', { href: item.href }, item.label) : h('span', {}, item.label),
          item.sub ? h('span', { class: 'muted small' }, item.sub) : null,
        ),
        h(
          'div',
          { class: 'barlist-track' },
          h('div', {
            class: ['barlist-bar', item.className],
            style: { width: `${Math.max(1, (100 * item.value) / max)}%` },
          }),
        ),
        h('div', { class: 'barlist-value' }, item.text),
      ),
    ),
  );
}

/** A single stacked bar of parts: [{ name, value, className }], with a legend of values. */
export function stackBar(parts, format) {
  const total = parts.reduce((a, p) => a + (p.value || 0), 0);
  return h(
    'div',
    { class: 'stack' },
    h(
      'div',
      { class: 'stack-bar', role: 'img', 'aria-label': parts.map((p) => `${p.name} ${format(p.value)}`).join(', ') },
      parts
        .filter((p) => p.value > 0)
        .map((p) =>
          h('div', {
            class: ['stack-part', p.className],
            title: `${p.name}: ${format(p.value)}`,
            style: { width: `${(100 * p.value) / (total || 1)}%` },
          }),
        ),
    ),
    h(
      'div',
      { class: 'stack-legend' },
      parts.map((p) =>
        h(
          'div',
          { class: 'stack-item' },
          h('i', { class: ['swatch', p.className] }),
          h('span', { class: 'muted' }, p.name),
          h('strong', {}, format(p.value)),
        ),
      ),
    ),
  );
}
