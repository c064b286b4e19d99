// Views over time in buckets (the overview, a user's page): the range asked for, every bucket of
// the answer (empty ones filled in), how a bucket is labelled, and the two charts both pages draw
// over them.

import { columnChart } from './charts.js';
import { cost, num } from './format.js';
import { DAY } from './ranges.js';

/** The `[from, to)` (ms) to ask for `range`: day buckets start at local midnight, so a bar is a
 * calendar day. */
export function bucketRange(range, to = Date.now()) {
  let from = to - range.ms;
  if (range.ms > 2 * DAY) {
    const d = new Date(from);
    d.setHours(0, 0, 0, 0);
    from = d.getTime() + DAY;
  }
  return { from, to };
}

/** Every bucket of answer `a` (`from`, `to`, `bucket_ms`, `series` of `{ start }`), oldest first;
 * a bucket with no entry is `empty` with its `start`. */
export function everyBucket(a, empty) {
  const byStart = new Map(a.series.map((b) => [Date.parse(b.start), b]));
  const out = [];
  for (let b = Date.parse(a.from); b < Date.parse(a.to); b += a.bucket_ms) {
    out.push(byStart.get(b) ?? { ...empty, start: new Date(b).toISOString() });
  }
  return out;
}

/** How a bucket `bucket_ms` wide is labelled: its hour, or its day. */
export function bucketLabel(bucketMs) {
  return (iso) => {
    const d = new Date(iso);
    return bucketMs < DAY
      ? `${String(d.getHours()).padStart(2, '0')}:00`
      : d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  };
}

/**
 * Sessions per bucket, succeeded (or running) and failed. `label` names a bucket, `title(b)` is a
 * bar's tooltip, `inBucket(b, filters)` links a bar to its sessions; `name` tags the chart (and its
 * table).
 */
export function sessionsChart(buckets, { label, title, inBucket, name }) {
  return columnChart({
    bars: buckets.map((b) => ({
      label: label(b.start),
      values: [b.sessions - b.failed, b.failed],
      title: title(b),
      links: [inBucket(b), inBucket(b, { status: 'failed' })],
    })),
    name,
    series: [
      { name: 'Succeeded or running', className: 'c-ok' },
      { name: 'Failed', className: 'c-fail' },
    ],
    format: (v) => num(Math.round(v)),
    integer: true,
    ariaLabel: 'Sessions per bucket',
  });
}

/** Cost per bucket, each bar a link to its sessions (as {@link sessionsChart}). */
export function costChart(buckets, { label, inBucket, name }) {
  return columnChart({
    bars: buckets.map((b) => ({
      label: label(b.start),
      values: [b.cost_usd],
      title: `${label(b.start)}: ${cost(b.cost_usd)}`,
      links: [inBucket(b)],
    })),
    name,
    series: [{ name: 'Cost', className: 'c-cost' }],
    format: cost,
    ariaLabel: 'Cost per bucket',
  });
}
