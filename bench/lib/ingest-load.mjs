// Collector load, in its own process: fills a fresh collector over HTTP (protocol v1, POST
// /v1/batch) with SESSIONS sessions of 4 events each (start, a tool call, result, end) spread over
// 90 days, from 4 concurrent keep-alive senders, then times the dashboard's list page.
// `node bench/lib/ingest-load.mjs URL KEY [SESSIONS]`; prints `RESULT <json>`.
import http from 'node:http';
import { median, quantile } from './stats.mjs';

const [url, key, sessionsArg] = process.argv.slice(2);
const SESSIONS = Number(sessionsArg || 100_000);
const BATCH = 250;
const SENDERS = 4;
const T0 = Date.now() - 90 * 86_400_000;

function events(s) {
  const sid = `bench-${s.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const t = T0 + Math.floor((s / SESSIONS) * 90 * 86_400_000);
  const id = (n) => `0190${s.toString(16).padStart(12, '0')}-${n}`;
  const usage = {
    prompt_tokens: 1200,
    completion_tokens: 300,
    total_tokens: 1500,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cost_usd: 0.01,
  };
  return [
    {
      id: id(0),
      session_id: sid,
      ts: t,
      type: 'session_start',
      data: {
        agent: `agent-${s % 5}`,
        user_id: `user-${s % 50}`,
        convo_id: `convo-${s % 2000}`,
        model: 'claude-sonnet-4-5',
        input: `fix the failing test number ${s}`,
        metadata: { env: 'bench' },
        started_at: t,
      },
    },
    {
      id: id(1),
      session_id: sid,
      ts: t + 5,
      type: 'tool_call',
      data: {
        tool_use_id: `toolu_${s}`,
        tool_name: 'Bash',
        seq: 0,
        status: 'success',
        input: { command: 'npm test' },
        output: { stdout: 'ok 1 - passes\n', stderr: '' },
        duration_ms: 12,
        started_at: t,
        ended_at: t + 5,
      },
    },
    {
      id: id(2),
      session_id: sid,
      ts: t + 9,
      type: 'session_result',
      data: {
        index: 0,
        subtype: 'success',
        is_error: false,
        output: `fixed test ${s}`,
        num_turns: 2,
        duration_ms: 9,
        usage,
      },
    },
    {
      id: id(3),
      session_id: sid,
      ts: t + 10,
      type: 'session_end',
      data: {
        status: 'completed',
        output: `fixed test ${s}`,
        ended_at: t + 10,
        duration_ms: 10,
        num_turns: 2,
        usage,
        results: 1,
      },
    },
  ];
}

const bodies = [];
let batch = [];
for (let s = 0; s < SESSIONS; s++) {
  batch.push(...events(s));
  if (batch.length >= BATCH) {
    bodies.push(Buffer.from(JSON.stringify({ protocol: 1, events: batch })));
    batch = [];
  }
}
if (batch.length) bodies.push(Buffer.from(JSON.stringify({ protocol: 1, events: batch })));
const total = SESSIONS * 4;

const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
const u = new URL(url);
function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(body ? { 'content-length': body.length } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode < 300
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: SENDERS }, async () => {
    for (let i = next++; i < bodies.length; i = next++) await request('POST', '/v1/batch', bodies[i]);
  }),
);
const seconds = (performance.now() - t0) / 1000;

async function timed(path, n = 30) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await request('GET', path);
    ms.push(performance.now() - t);
  }
  return { median: median(ms), p95: quantile(ms, 0.95) };
}
const list = {
  first: await timed('/api/sessions?limit=50'),
  agent: await timed('/api/sessions?agent=agent-3&limit=50'),
  user: await timed('/api/sessions?user_id=user-7&status=completed&limit=50'),
  search: await timed('/api/sessions?q=test%20number%204242&limit=50', 10),
};
const count = JSON.parse(await request('GET', '/api/sessions?limit=1'));
process.stdout.write(
  'RESULT ' +
    JSON.stringify({
      sessions: SESSIONS,
      events: total,
      batches: bodies.length,
      batch: BATCH,
      senders: SENDERS,
      mib: bodies.reduce((a, b) => a + b.length, 0) / 2 ** 20,
      seconds,
      eventsPerSecond: total / seconds,
      list,
      sample: count.sessions.length,
    }) +
    '\n',
);
agent.destroy();
