// Views over time in buckets (the overview, a user's page): the range asked for, every bucket of
// the answer (empty ones filled in), and how a bucket is labelled.

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
