// Micro-benchmark of handing a message to the native session, by size: `node bench/handoff.mjs`
// (NAPI_RS_NATIVE_LIBRARY_PATH picks another build of the addon to compare). Prints one table,
// µs per call on the main thread. Calls are spaced by a short busy wait (GAP_US), as messages are in
// a real stream, so the worker goes idle between them as it would there.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const native = require('../binding.js');
const client = new native.NativeClient({ apiKey: 'bench', apiUrl: 'http://127.0.0.1:9', flushIntervalMs: 60_000 });
const now = () => performance.now();
// Spacing between calls: 5 µs, or 1 µs per 100 characters for larger messages (a real stream does not
// produce 200 KB tool outputs back to back, and the worker needs time for each).
const gapOf = (chars) => Number(process.env.GAP_US ?? Math.max(5, chars / 100));
const N = Number(process.env.N ?? 4000);

function spin(us) {
  const end = now() + us / 1000;
  while (now() < end);
}

/** A `user` tool_result of about `bytes` bytes when serialized; `wide` puts a non-Latin-1 character in. */
function messageOf(bytes, wide) {
  const line = wide
    ? '  const x = f(y); // → keeps it in range\n'
    : '  const x = f(y); // keeps it in range, "quoted"\n';
  const content = line.repeat(Math.max(1, Math.round((bytes - 120) / (line.length + 1))));
  return {
    type: 'user',
    parent_tool_use_id: null,
    message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content, is_error: false }] },
  };
}

const marker = typeof native.partMarker === 'function' ? native.partMarker() : null;
function lifted(m) {
  const b = m.message.content[0];
  if (b.content.length < 4096) return null;
  return { json: JSON.stringify({ ...m, message: { content: [{ ...b, content: marker + 0 }] } }), parts: [b.content] };
}

const quantile = (v, q) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];

function measure(n, gap, f) {
  const out = [];
  const ns = client.startSession({ agent: 'handoff', userId: 'bench' });
  for (let i = 0; i < n; i++) {
    spin(gap);
    const t0 = now();
    f(ns);
    out.push((now() - t0) * 1000);
  }
  ns.finish('done');
  return out;
}

const fmt = (v) => (v == null ? '-' : `${quantile(v, 0.5).toFixed(2)} / ${quantile(v, 0.99).toFixed(1)}`);
const rows = [];
for (const [label, bytes, wide] of [
  ['100 B', 100, false],
  ['1 KB', 1024, false],
  ['10 KB', 10240, false],
  ['200 KB', 204800, false],
  ['200 KB, two-byte', 204800, true],
]) {
  const m = messageOf(bytes, wide);
  const str = JSON.stringify(m);
  const n = bytes > 100_000 ? Math.min(N, 300) : N;
  const r = { label: `${label} (${str.length} chars)` };
  r.stringify = measure(n, gapOf(str.length), () => JSON.stringify(m));
  r.call = measure(n, gapOf(str.length), (ns) => ns.message(str));
  r.whole = measure(n, gapOf(str.length), (ns) => ns.message(JSON.stringify(m)));
  if (marker && lifted(m))
    r.parts = measure(n, gapOf(str.length), (ns) => {
      const l = lifted(m);
      ns.messageParts(l.json, l.parts);
    });
  rows.push(r);
  await new Promise((res) => setTimeout(res, 50));
}
await client.flush(1000);
console.log('µs per call, median / p99\n');
console.log(
  '| message | `JSON.stringify(m)` | `message(str)` | `message(JSON.stringify(m))` | large strings lifted: `messageParts(...)` |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(`| ${r.label} | ${fmt(r.stringify)} | ${fmt(r.call)} | ${fmt(r.whole)} | ${fmt(r.parts)} |`);
process.exit(0);
