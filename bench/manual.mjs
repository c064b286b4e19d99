// The manual session API's cost on the host's thread: how long each call takes to return (the
// work after it is the core's, on its own thread), and that everything reaches a real collector.
// `node bench/manual.mjs [sessions]` (default 2,000). Prints medians and p99 per call, µs, next to
// JSON.stringify of the same arguments (the floor any JS tracker pays to hand them over).

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { startCollector } from '../__test__/support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient } = require('../index.js');

const sessions = Number(process.argv[2] ?? 2000);
const col = await startCollector({ apiKey: 'bench-key' });
const client = new SentrialClient({ apiKey: col.apiKey, apiUrl: col.url, exitTimeoutMs: 0, maxQueueEvents: 100_000 });

const output = { rows: Array.from({ length: 20 }, (_, i) => ({ id: i, title: `result ${i}`, score: i / 20 })) };
const calls = {
  createSession: (i) => client.createSession({ name: 'bench', agentName: 'bench-manual', userId: `u${i % 50}` }),
  trackLLMCall: (sessionId) =>
    client.trackLLMCall({
      sessionId,
      model: 'claude-sonnet-4-5',
      promptTokens: 1200,
      completionTokens: 300,
      output: 'x'.repeat(400),
    }),
  trackToolCall: (sessionId) =>
    client.trackToolCall({
      sessionId,
      toolName: 'search',
      toolInput: { q: 'weather in Paris' },
      toolOutput: output,
      durationMs: 12,
    }),
  trackDecision: (sessionId) =>
    client.trackDecision({ sessionId, reasoning: 'the cheaper option', alternatives: ['a', 'b'], chosen: 'a' }),
  completeSession: (sessionId) => client.completeSession({ sessionId, output: 'done', customMetrics: { quality: 4 } }),
};
const floors = {
  trackLLMCall: () =>
    JSON.stringify({ model: 'claude-sonnet-4-5', promptTokens: 1200, completionTokens: 300, output: 'x'.repeat(400) }),
  trackToolCall: () =>
    JSON.stringify({ toolName: 'search', toolInput: { q: 'weather in Paris' }, toolOutput: output, durationMs: 12 }),
};

const times = Object.fromEntries(
  [...Object.keys(calls), ...Object.keys(floors).map((k) => `floor ${k}`)].map((k) => [k, []]),
);
const timed = (name, fn) => {
  const t = performance.now();
  const r = fn();
  times[name].push((performance.now() - t) * 1000);
  return r;
};

const wall = performance.now();
for (let i = 0; i < sessions; i++) {
  const id = await timed('createSession', () => calls.createSession(i));
  for (const name of ['trackLLMCall', 'trackToolCall', 'trackDecision', 'trackToolCall', 'trackLLMCall'])
    timed(name, () => calls[name](id));
  for (const name of Object.keys(floors)) timed(`floor ${name}`, floors[name]);
  await timed('completeSession', () => calls.completeSession(id));
}
const hostMs = performance.now() - wall;
const flushed = await client.flush({ timeoutMs: 60_000 });
const stats = client.stats();
const stored = await col.get('/api/sessions?agent=bench-manual&limit=1');

const q = (xs, p) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`${sessions} manual sessions, 7 calls each; host time ${hostMs.toFixed(0)} ms in all`);
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `${name.padEnd(22)} median ${q(xs, 0.5).toFixed(2).padStart(6)} µs   p99 ${q(xs, 0.99).toFixed(2).padStart(7)} µs`,
  );
}
console.log(
  `delivered ${stats.delivered} of ${stats.produced} events (dropped ${stats.dropped}, misuses ${stats.misuses}), flush timed out: ${flushed.timedOut}; newest stored session: ${stored.sessions[0]?.status}`,
);
await client.shutdown();
await col.stop();
