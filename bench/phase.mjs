// One phase of the benchmark, in its own process (so memory and event-loop figures belong to the
// contenders of that phase only). `node --expose-gc bench/phase.mjs '<json config>'`; the last
// line of stdout is `RESULT <json>`. Driven by bench/run.mjs.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setup } from './lib/contenders.mjs';
import { T, shortSession, longSession, promptFor, countMessages, LONG_TURN_MESSAGES } from './lib/workload.mjs';
import { median, p99, sleep, tick, shuffle, memory, fullGc, collectorCount, collectorSessions } from './lib/stats.mjs';

const cfg = JSON.parse(process.argv[2]);
// A host process has something keeping its loop alive (a server socket); some peers' batch timers
// are unref'd and their flush() would otherwise end the process with a pending await.
setInterval(() => {}, 1 << 30);
const env = { collectorUrl: cfg.collectorUrl, apiKey: cfg.apiKey, sinkUrl: cfg.sinkUrl, agent: cfg.agent };
const col = { url: cfg.collectorUrl, apiKey: cfg.apiKey };
const OPTIONS = { includePartialMessages: true };
const now = () => performance.now();

const contenders = [];
for (const name of cfg.contenders) contenders.push(await setup(name, env));

/** Drains one query; returns the wall time of the consumer loop in ms. */
async function runSession(c, prompt) {
  const t0 = now();
  for await (const m of c.query({ prompt, options: OPTIONS })) if (m === null) throw new Error('unreachable');
  return now() - t0;
}

/** Drains one query timing each next() of messages number [from, to); pushes µs into `out`. */
async function runTimed(c, prompt, from, to, out) {
  const it = c.query({ prompt, options: OPTIONS })[Symbol.asyncIterator]();
  for (let i = 0; ; i++) {
    const t0 = now();
    const r = await it.next();
    const dt = now() - t0;
    if (r.done) break;
    if (i >= from && i < to) out.push(dt * 1000);
  }
}

const SHORT = shortSession();
const SHORT_PROMPT = promptFor(() => SHORT);
const SHORT_MESSAGES = countMessages(SHORT);

async function warmUp(n = 30) {
  for (let i = 0; i < n; i++) for (const c of contenders) await runSession(c, SHORT_PROMPT);
  for (const c of contenders) await c.flush();
  await sleep(200);
}

// --- per message: sessions made of one kind of message ----------------------------------------------

const BIG = SHORT.find((s) => s.hook === 'PostToolUse' && s.input.tool_name === 'Read').input;
const BIG_USER = SHORT.find(
  (s) => s.message && s.message.type === 'user' && s.message.message.content[0].tool_use_id === BIG.tool_use_id,
).message;
const TOOL_USE = T.toolUse[0];
const USER_SMALL = T.toolResult[0]; // not reported by a hook: stored from the message itself

const KINDS = [
  {
    key: 'stream_event',
    label: '`stream_event` (text delta)',
    stores: null,
    n: 2000,
    steps: [{ message: T.textDelta }],
  },
  { key: 'status', label: '`system/status`', stores: null, n: 2000, steps: [{ message: T.status }] },
  {
    key: 'tool_use',
    label: '`assistant` with a `tool_use`',
    stores: () => TOOL_USE,
    n: 1500,
    steps: [{ message: TOOL_USE }],
  },
  {
    key: 'tool_result',
    label: '`user` tool_result (no hook)',
    stores: () => ({ type: 'user', parent_tool_use_id: null, message: { content: [USER_SMALL.message.content[0]] } }),
    n: 1500,
    steps: [{ message: USER_SMALL }],
  },
  { key: 'result', label: '`result`', stores: () => T.result, n: 600, steps: [{ message: T.result }] },
  {
    key: 'big',
    label: 'PostToolUse hook + `user` tool_result, 200 KB Read',
    stores: () => BIG,
    n: 40,
    steps: [{ hook: 'PostToolUse', input: BIG }, { message: BIG_USER }],
  },
];

async function micro() {
  const dbg = (...a) => process.env.BENCH_DEBUG && console.error('[micro]', ...a);
  const reps = cfg.reps ?? 5;
  const samples = {};
  for (const kind of KINDS) {
    const n = Math.max(10, Math.round(kind.n * (cfg.nScale ?? 1)));
    const steps = [{ message: T.init }];
    for (let i = 0; i < n; i++) steps.push(...kind.steps);
    steps.push({ message: T.result });
    const prompt = promptFor(() => steps);
    for (const c of contenders) samples[`${c.name}/${kind.key}`] = [];
    for (let r = 0; r < reps; r++) {
      for (const c of shuffle(contenders)) {
        dbg(kind.key, c.name);
        await runTimed(c, prompt, 1, 1 + n, samples[`${c.name}/${kind.key}`]);
        await tick();
      }
    }
    if (kind.stores) {
      const x = kind.stores();
      const ref = [];
      for (let i = 0; i < n * reps; i++) {
        const t0 = now();
        const s = JSON.stringify(x);
        ref.push((now() - t0) * 1000);
        if (s.length === 0) throw new Error('unreachable');
      }
      samples[`stringify/${kind.key}`] = ref;
      // Where our time goes: the native call alone on the already serialized string, and one
      // UTF-8 encoding pass of it (Buffer.from), for comparison.
      const ours = contenders.find((c) => c.name === 'sentrial');
      if (ours) {
        const native = ours.client[Symbol.for('sentrial.native')];
        const ns = native.startSession({ agent: cfg.agent + '-breakdown', userId: 'bench-user' });
        const str = JSON.stringify(x);
        const call = [];
        const enc = [];
        for (let i = 0; i < n * reps; i++) {
          let t0 = now();
          if (kind.key === 'big') ns.hook(str);
          else ns.message(str);
          call.push((now() - t0) * 1000);
          t0 = now();
          if (Buffer.from(str).length === 0) throw new Error('unreachable');
          enc.push((now() - t0) * 1000);
        }
        ns.finish('done');
        samples[`nativecall/${kind.key}`] = call;
        samples[`utf8/${kind.key}`] = enc;
      }
      samples[`bytes/${kind.key}`] = [JSON.stringify(x).length];
    }
    for (const c of contenders) await c.flush();
  }
  const out = {};
  for (const [k, v] of Object.entries(samples))
    out[k] = k.startsWith('bytes/') ? v[0] : { median: median(v), p99: p99(v), n: v.length };
  return out;
}

// --- per session: the short session, contenders interleaved -----------------------------------------

async function sessions() {
  const rounds = cfg.rounds ?? 200;
  const inline = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of shuffle(contenders)) {
      inline[c.name].push(await runSession(c, SHORT_PROMPT));
      await tick();
    }
  }
  // Everything the contender does on the main thread, deferred work included (batching timers,
  // serializing and sending), from event-loop utilization over blocks of sessions plus a settle.
  const block = cfg.block ?? 25;
  const total = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let rep = 0; rep < (cfg.blockReps ?? 3); rep++) {
    for (const c of shuffle(contenders)) {
      await sleep(200);
      const e0 = performance.eventLoopUtilization();
      for (let i = 0; i < block; i++) {
        await runSession(c, SHORT_PROMPT);
        await tick();
      }
      await sleep(cfg.settleMs ?? 1500);
      total[c.name].push(performance.eventLoopUtilization(e0).active / block);
    }
  }
  const out = { messages: SHORT_MESSAGES, hooks: SHORT.length - SHORT_MESSAGES, inline: {}, total: {} };
  for (const c of contenders) {
    out.inline[c.name] = { median: median(inline[c.name]), p99: p99(inline[c.name]), n: inline[c.name].length };
    out.total[c.name] = { median: median(total[c.name]), min: Math.min(...total[c.name]), n: total[c.name].length };
  }
  return out;
}

// --- the long session: 10,000 messages, memory ---------------------------------------------------------

async function long() {
  const [c] = contenders;
  const messages = cfg.messages ?? 10_000;
  const steps = () => longSession(messages);
  const prompt = promptFor(steps);
  await warmUp(10);
  fullGc();
  await sleep(300);
  fullGc();
  const before = memory();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let n = 0;
  const t0 = now();
  for await (const m of c.query({ prompt, options: OPTIONS })) {
    if (++n % 1000 === 0) {
      const mm = memory();
      peakRss = Math.max(peakRss, mm.rss);
      peakHeap = Math.max(peakHeap, mm.heapUsed);
    }
    if (m === null) throw new Error('unreachable');
  }
  const loopMs = now() - t0;
  const tEnd = Date.now();
  fullGc();
  const atEnd = memory();
  let delivery = null;
  if (c.name === 'sentrial') {
    // Time until the last event of the session (its end) is stored, without asking for a flush.
    for (;;) {
      const s = await collectorSessions(col, cfg.agent);
      if (s.completed >= 11) break; // the 10 warm-up sessions and this one
      if (Date.now() - tEnd > 60_000) break;
      await sleep(20);
    }
    const lastEventMs = Date.now() - tEnd;
    await c.flush();
    const stats = c.stats();
    const stored = await collectorCount(col, cfg.agent);
    delivery = {
      lastEventMs,
      produced: stats.produced,
      delivered: stats.delivered,
      dropped: stats.dropped,
      stored: stored.events,
      sessions: stored.sessions,
    };
  } else {
    await c.flush();
  }
  await sleep(300);
  fullGc();
  const afterFlush = memory();
  return {
    messages: n,
    loopMs,
    perMessageUs: (loopMs * 1000) / n,
    before,
    atEnd,
    afterFlush,
    peakRss,
    peakHeap,
    delivery,
  };
}

// --- 100 sessions at once, paced to about 1,000 messages/s ---------------------------------------------

async function concurrent() {
  const [c] = contenders;
  const sessionsN = cfg.sessions ?? 100;
  const perSession = cfg.perSession ?? 2 + 7 * LONG_TURN_MESSAGES; // 107 messages, about 10.7 s at 10/s
  const rate = cfg.rate ?? 1000; // messages per second, all sessions together
  const meanGap = (1000 * sessionsN) / rate;
  const pace = () => sleep(meanGap * (0.5 + Math.random())); // uniform around the mean gap
  const prompt = promptFor(() => longSession(perSession), pace);
  await warmUp(10);
  await sleep(300);
  const h = monitorEventLoopDelay({ resolution: 1 });
  const e0 = performance.eventLoopUtilization();
  h.enable();
  const t0 = now();
  let messages = 0;
  await Promise.all(
    Array.from({ length: sessionsN }, async (_, i) => {
      await sleep((i * meanGap) / sessionsN);
      for await (const m of c.query({ prompt, options: OPTIONS })) if (m) messages++;
    }),
  );
  const seconds = (now() - t0) / 1000;
  h.disable();
  const elu = performance.eventLoopUtilization(e0);
  const tEnd = Date.now();
  const out = {
    sessions: sessionsN,
    messages,
    seconds,
    rate: messages / seconds,
    delayP50: h.percentile(50) / 1e6,
    delayP99: h.percentile(99) / 1e6,
    delayMax: h.max / 1e6,
    elu: elu.utilization,
    eluActiveMs: elu.active,
  };
  if (c.name === 'sentrial') {
    for (;;) {
      const s = await collectorSessions(col, cfg.agent);
      if (s.completed >= sessionsN + 10) break;
      if (Date.now() - tEnd > 60_000) break;
      await sleep(20);
    }
    const lastEventMs = Date.now() - tEnd;
    await c.flush();
    const stats = c.stats();
    const stored = await collectorCount(col, cfg.agent);
    out.delivery = {
      lastEventMs,
      produced: stats.produced,
      delivered: stats.delivered,
      dropped: stats.dropped,
      stored: stored.events,
      sessions: stored.sessions,
    };
  } else {
    await c.flush();
  }
  return out;
}

let result;
switch (cfg.phase) {
  case 'micro':
    await warmUp(cfg.warmUp ?? 30);
    result = await micro();
    break;
  case 'sessions':
    await warmUp(cfg.warmUp ?? 30);
    result = await sessions();
    break;
  case 'long':
    result = await long();
    break;
  case 'concurrent':
    result = await concurrent();
    break;
  default:
    throw new Error('unknown phase ' + cfg.phase);
}
for (const c of contenders) await c.flush();
process.stdout.write('\nRESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
