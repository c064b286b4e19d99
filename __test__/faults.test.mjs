// The delivery fault suite: the real collector behind a fault-injecting proxy
// (support/fault-proxy.mjs). For each fault, a host runs tracked sessions while the fault is on;
// then the fault is cleared, the client flushes, and the test checks, from the collector's read
// API and from client.stats():
//   - no exception reached the host (try/catch around the run, unhandledRejection/uncaughtException),
//   - the host saw exactly the messages (same objects, same order) of the unwrapped run, and its own
//     hooks ran the same way,
//   - every session is complete in the collector, with its tool calls,
//   - stored events === events the client counts delivered === produced - dropped (no duplicates,
//     nothing lost), and the drops by reason are exactly the expected ones.
// Also: the collector killed (SIGKILL) mid-run and restarted on the same port and db file; a flush
// shorter than a black-holed request; and host processes exiting with events pending.
//
// With SENTRIAL_RELIABILITY_OUT=<file>, the rows of docs/reliability.md are written there as JSON
// (scripts/reliability-report.mjs runs this file that way and renders the table).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { query as realQuery } from '@anthropic-ai/claude-agent-sdk';
import { repoRoot, tempDir, sdkOptions, startScriptedModel, eventually } from './support/harness.mjs';
import { startFaultProxy, freePort } from './support/fault-proxy.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');
const { FakeQuery } = require('./support/fake-query.cjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const API_KEY = 'fault-key-' + Math.random().toString(36).slice(2);

// --- what reached the host ----------------------------------------------------------------------

const hostFaults = [];
const onUnhandled = (err) => hostFaults.push({ kind: 'unhandledRejection', err });
const onUncaught = (err) => hostFaults.push({ kind: 'uncaughtException', err });
process.on('unhandledRejection', onUnhandled);
process.on('uncaughtException', onUncaught);

// --- the collector, as a process we can kill and start again ------------------------------------

async function startCollectorAt({ port, db }) {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin', 'sentrial.js'), 'serve', '--port', String(port), '--db', db, '--api-key', API_KEY],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('collector did not start in 20 s: ' + stderr)), 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    child,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function api(baseUrl, p) {
  const res = await fetch(baseUrl + p, { headers: { authorization: `Bearer ${API_KEY}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Everything the collector stored for `agent`: sessions (full), and every stored event. */
async function storedFor(baseUrl, agent) {
  const list = await api(baseUrl, `/api/sessions?agent=${encodeURIComponent(agent)}&limit=500`);
  const sessions = [];
  const events = [];
  for (const s of list.sessions) {
    sessions.push(await api(baseUrl, `/api/sessions/${s.id}`));
    events.push(...(await api(baseUrl, `/api/sessions/${s.id}/events`)));
  }
  const ids = new Set(events.map((e) => e.id));
  return { sessions, events, duplicates: events.length - ids.size };
}

// --- realistic messages and hooks, played by the fake query() (support/fake-query.cjs) -----------

const STDOUT_SMALL = 'hello-from-bash\n';

/** One session's messages: init, text, a Bash call that succeeds, a Read that fails, the result. */
function sessionScript(tag, { stdout = STDOUT_SMALL } = {}) {
  const sid = `cc-${tag}`;
  const bash = `toolu_${tag}_bash`;
  const read = `toolu_${tag}_read`;
  const base = { session_id: sid, transcript_path: '/tmp/t.jsonl', cwd: '/tmp/work', permission_mode: 'default' };
  const assistant = (id, content) => ({
    type: 'assistant',
    parent_tool_use_id: null,
    session_id: sid,
    uuid: `${tag}-${id}`,
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content,
      stop_reason: null,
      usage: { input_tokens: 120, output_tokens: 1 },
    },
  });
  const toolResult = (id, content, isError) => ({
    type: 'user',
    parent_tool_use_id: null,
    session_id: sid,
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] },
  });
  return [
    {
      message: {
        type: 'system',
        subtype: 'init',
        session_id: sid,
        model: 'claude-sonnet-4-5',
        cwd: '/tmp/work',
        tools: ['Bash', 'Read'],
        claude_code_version: '2.1.330',
      },
    },
    { message: assistant(`msg_${tag}_1`, [{ type: 'text', text: 'Let me look.' }]) },
    {
      message: assistant(`msg_${tag}_1`, [
        { type: 'tool_use', id: bash, name: 'Bash', input: { command: 'echo hello-from-bash' } },
      ]),
    },
    {
      hook: 'PreToolUse',
      input: {
        ...base,
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'echo hello-from-bash' },
        tool_use_id: bash,
      },
    },
    {
      hook: 'PostToolUse',
      input: {
        ...base,
        hook_event_name: 'PostToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'echo hello-from-bash' },
        tool_response: { stdout, stderr: '', interrupted: false, isImage: false },
        tool_use_id: bash,
        duration_ms: 12,
      },
    },
    { message: toolResult(bash, stdout, false) },
    {
      message: assistant(`msg_${tag}_2`, [
        { type: 'tool_use', id: read, name: 'Read', input: { file_path: '/tmp/work/missing.txt' } },
      ]),
    },
    {
      hook: 'PreToolUse',
      input: {
        ...base,
        hook_event_name: 'PreToolUse',
        tool_name: 'Read',
        tool_input: { file_path: '/tmp/work/missing.txt' },
        tool_use_id: read,
      },
    },
    {
      hook: 'PostToolUseFailure',
      input: {
        ...base,
        hook_event_name: 'PostToolUseFailure',
        tool_name: 'Read',
        tool_input: { file_path: '/tmp/work/missing.txt' },
        tool_use_id: read,
        error: 'File does not exist.',
        is_interrupt: false,
        duration_ms: 3,
      },
    },
    { message: toolResult(read, 'File does not exist.', true) },
    { message: { type: 'system', subtype: 'task_progress', session_id: sid, whatever: { nested: [1, 2] } } },
    { message: assistant(`msg_${tag}_3`, [{ type: 'text', text: `Done: ${tag}` }]) },
    {
      message: {
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: `Done: ${tag}`,
        num_turns: 3,
        duration_ms: 900,
        duration_api_ms: 700,
        session_id: sid,
        total_cost_usd: 0.0123,
        usage: { input_tokens: 200, output_tokens: 40 },
        modelUsage: {
          'claude-sonnet-4-5': {
            inputTokens: 200,
            outputTokens: 40,
            cacheReadInputTokens: 2400,
            cacheCreationInputTokens: 150,
            costUSD: 0.0123,
          },
        },
      },
    },
  ];
}

/** Runs one session unwrapped and once wrapped; returns what the host saw and whether it matched. */
async function runOne(client, agent, tag, { stdout, delayMs = 0 } = {}) {
  const userHookCalls = { plain: [], tracked: [] };
  const paramsFor = (which) => ({
    prompt: `fix the tests (${tag})`,
    options: {
      hooks: {
        PreToolUse: [
          {
            hooks: [
              async (input) => {
                userHookCalls[which].push(['pre', input.tool_use_id]);
                return { continue: true };
              },
            ],
          },
        ],
        PostToolUse: [
          {
            matcher: 'Bash',
            hooks: [
              async (input) => {
                userHookCalls[which].push(['post', input.tool_use_id]);
                return {};
              },
            ],
          },
        ],
      },
    },
  });
  const script = sessionScript(tag, { stdout });
  const expected = script.filter((s) => s.message).map((s) => s.message);

  // The fake waits `delayMs` before each step, so a run spans the fault.
  const fake = { pace: delayMs ? () => sleep(delayMs) : undefined };
  const plainInstances = [];
  const plainQuery = (params) => {
    const q = new FakeQuery(params, script, fake);
    plainInstances.push(q);
    return q;
  };
  const plainSeen = [];
  for await (const m of plainQuery(paramsFor('plain'))) plainSeen.push(m);

  const instances = [];
  const fakeQuery = (params) => {
    const q = new FakeQuery(params, script, fake);
    instances.push(q);
    return q;
  };
  const seen = [];
  let exceptions = 0;
  try {
    const tracked = wrapClaudeAgent(fakeQuery, {
      client,
      defaultAgent: agent,
      userId: 'user-fault',
      convoId: `convo-${tag}`,
    });
    for await (const m of tracked(paramsFor('tracked'))) seen.push(m);
  } catch (err) {
    exceptions++;
    hostFaults.push({ kind: 'thrown into the host', err });
  }
  const q = instances[0];
  const unchanged =
    seen.length === expected.length &&
    seen.every((m, i) => m === q.yielded[i] && m === expected[i]) &&
    sameJson(seen, plainSeen) &&
    // The user's own hooks ran the same, with the same inputs; ours ran once per PreToolUse and once
    // per PostToolUse(Failure): two tool calls, four more hook results.
    sameJson(userHookCalls.tracked, userHookCalls.plain) &&
    q.hookResults.length === plainInstances[0].hookResults.length + 4;
  return { exceptions, unchanged };
}

function sameJson(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Runs `n` sessions concurrently (tags `<agent>-<i>`). */
async function runSessions(client, agent, n, { bigIndex = -1, bigStdout, delayMs = 0, offset = 0 } = {}) {
  const runs = await Promise.all(
    Array.from({ length: n }, (_, k) => {
      const i = k + offset;
      return runOne(client, agent, `${agent}-${i}`, { delayMs, stdout: i === bigIndex ? bigStdout : undefined });
    }),
  );
  return {
    exceptions: runs.reduce((a, r) => a + r.exceptions, 0),
    unchanged: runs.every((r) => r.unchanged),
  };
}

const DROP_KEYS = ['droppedQueueFull', 'droppedRejected', 'droppedUnauthorized', 'droppedTooLarge', 'droppedShutdown'];

function dropsOf(stats) {
  return Object.fromEntries(DROP_KEYS.map((k) => [k, stats[k]]));
}

function assertAccounting(stats, expectedDrops = {}) {
  assert.equal(stats.produced, stats.delivered + stats.pending + stats.dropped, JSON.stringify(stats));
  assert.equal(stats.pending, 0, `nothing pending after the flush: ${JSON.stringify(stats)}`);
  const want = Object.fromEntries(DROP_KEYS.map((k) => [k, expectedDrops[k] ?? 0]));
  assert.deepStrictEqual(dropsOf(stats), want, 'drops by reason');
}

function assertSessionsComplete(stored, n, { toolCalls = () => 2 } = {}) {
  assert.equal(stored.sessions.length, n, `sessions stored: ${stored.sessions.map((s) => s.id).join(',')}`);
  for (const s of stored.sessions) {
    assert.equal(s.status, 'completed', `session ${s.id} (${s.convo_id}) status`);
    assert.equal(s.agent !== null && s.user_id, 'user-fault', `session ${s.id} has its start`);
    assert.equal(s.results, 1, `session ${s.id} has its end`);
    assert.ok(Math.abs(s.cost_usd - 0.0123) < 1e-12, `session ${s.id} cost ${s.cost_usd}`);
    const want = toolCalls(s);
    assert.equal(s.tool_calls.length, want, `session ${s.convo_id} tool calls`);
    if (want === 2)
      assert.deepEqual(
        s.tool_calls.map((c) => [c.tool_name, c.status]),
        [
          ['Bash', 'success'],
          ['Read', 'error'],
        ],
      );
  }
}

// --- the report rows ----------------------------------------------------------------------------

const rows = [];
function report(row) {
  rows.push(row);
  return row;
}

/** Runs the assertions of a reported row; a failure is kept in the row, then rethrown. */
async function verify(row, assertions) {
  try {
    await assertions();
    row.ok = true;
  } catch (err) {
    row.ok = false;
    row.failure = String(err && err.message).split('\n')[0];
    throw err;
  } finally {
    if (typeof row.notes === 'function') row.notes = row.notes();
  }
}

const plural = (n, word, many = word + 's') => `${n} ${n === 1 ? word : many}`;

function dropsText(stats) {
  const parts = DROP_KEYS.filter((k) => stats[k] > 0).map((k) => `${k} ${stats[k]}`);
  return parts.length ? parts.join(', ') : 'none';
}

// --- the suite ----------------------------------------------------------------------------------

let collector;
let proxy;
let work;
const clients = [];
const hostFaultsAtStart = () => hostFaults.length;

before(async () => {
  work = tempDir('sentrial-faults-');
  collector = await startCollectorAt({ port: 0, db: path.join(work.dir, 'shared.db') });
  proxy = await startFaultProxy({ target: collector.url });
});

after(async () => {
  await Promise.all(clients.map((c) => c.shutdown({ timeoutMs: 500 })));
  await proxy?.close();
  await collector?.kill();
  work?.cleanup();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  if (process.env.SENTRIAL_RELIABILITY_OUT) {
    mkdirSync(path.dirname(process.env.SENTRIAL_RELIABILITY_OUT), { recursive: true });
    writeFileSync(
      process.env.SENTRIAL_RELIABILITY_OUT,
      JSON.stringify({ when: new Date().toISOString(), node: process.version, rows }, null, 2),
    );
  }
});

function newClient(url, extra = {}) {
  const client = new SentrialClient({
    apiKey: API_KEY,
    apiUrl: url,
    flushIntervalMs: 50,
    requestTimeoutMs: 500,
    ...extra,
  });
  assert.equal(client.enabled, true, 'tracking must be on (is the addon built?)');
  clients.push(client);
  return client;
}

/**
 * The common shape: sessions run while `fault` is on, the test waits until the proxy has seen
 * `minFaultRequests` requests in the fault's mode, then the fault is cleared and the client flushes.
 */
async function faultScenario({
  name,
  agent,
  mode,
  options,
  sessions = 4,
  minFaultRequests = 2,
  holdMs = 0,
  clientOptions,
  run = {},
  expectDrops = {},
  toolCalls,
  check,
  notes = () => '',
}) {
  const faultsBefore = hostFaultsAtStart();
  await proxy.setMode('pass');
  const client = newClient(proxy.url, clientOptions);
  const since = Date.now();
  await proxy.setMode(mode, options);
  const host = await runSessions(client, agent, sessions, run);
  const faultMode = mode === 'refuse' ? null : mode;
  if (faultMode) {
    await eventually(() => proxy.seen(faultMode, since) >= minFaultRequests, { timeoutMs: 15_000, intervalMs: 20 });
  }
  if (holdMs) await sleep(holdMs);
  const faultRequests = faultMode ? proxy.seen(faultMode, since) : 0;
  const ingestBefore = { ...proxy.ingest };
  const deliveredBeforeRecovery = client.stats().delivered;
  await proxy.setMode('pass');
  const recovered = Date.now();
  const flushed = await client.flush({ timeoutMs: 20_000 });
  const flushMs = Date.now() - recovered;
  assert.equal(flushed.timedOut, false, `flush after recovery settles everything: ${JSON.stringify(client.stats())}`);
  const stats = client.stats();
  const stored = await storedFor(collector.url, agent);
  const hostExceptions = host.exceptions + hostFaults.length - faultsBefore;
  const duplicatesAbsorbed = proxy.ingest.duplicates - ingestBefore.duplicates;
  const row = report({
    fault: name,
    hostExceptions,
    messagesUnchanged: host.unchanged,
    deliveredAfterRecovery: stats.delivered - deliveredBeforeRecovery,
    stored: stored.events.length,
    produced: stats.produced,
    duplicatesStored: stored.duplicates,
    drops: dropsText(stats),
    notes: () =>
      [
        faultMode ? `${plural(faultRequests, 'request')} hit the fault` : null,
        plural(stats.retried, 'retry', 'retries'),
        duplicatesAbsorbed > 0
          ? `collector answered ${plural(duplicatesAbsorbed, 're-sent event')} as duplicates`
          : null,
        `flush after recovery ${flushMs} ms`,
        notes({ stats, stored, since }),
      ]
        .filter(Boolean)
        .join('; '),
  });
  await verify(row, async () => {
    assert.equal(hostExceptions, 0, 'no exception reached the host: ' + hostFaults.map((f) => f.err?.stack).join('\n'));
    assert.equal(host.unchanged, true, 'the host saw exactly the unwrapped messages and hook calls');
    assert.equal(stored.duplicates, 0, 'no event stored twice');
    assert.equal(stored.events.length, stats.delivered, 'stored events === events the client counts delivered');
    assert.equal(stored.events.length, stats.produced - stats.dropped, 'nothing lost');
    assertAccounting(stats, typeof expectDrops === 'function' ? expectDrops(stats) : expectDrops);
    assertSessionsComplete(stored, sessions, { toolCalls });
    if (check) await check({ stats, stored, since, faultRequests, duplicatesAbsorbed, client });
  });
  return { stats, stored };
}

/** Gaps between consecutive requests the proxy saw in `mode` since `since`. */
function gaps(mode, since) {
  const at = proxy.log.filter((e) => e.mode === mode && e.at >= since).map((e) => e.at);
  return at.slice(1).map((t, i) => t - at[i]);
}

describe('delivery under faults: nothing lost, nothing doubled, the host untouched', () => {
  it('baseline: no fault', async () => {
    await faultScenario({ name: 'none (baseline)', agent: 'f-baseline', mode: 'pass', minFaultRequests: 1 });
  });

  it('collector refusing connections', async () => {
    await faultScenario({
      name: 'connection refused',
      agent: 'f-refuse',
      mode: 'refuse',
      holdMs: 1200,
      check: ({ stats }) => assert.ok(stats.retried >= 2, `retried ${stats.retried}`),
    });
  });

  it('connections reset on accept', async () => {
    await faultScenario({
      name: 'connection reset',
      agent: 'f-reset',
      mode: 'reset',
      minFaultRequests: 3,
      check: ({ stats, faultRequests }) =>
        assert.ok(stats.retried >= faultRequests, `retried ${stats.retried} < ${faultRequests}`),
    });
  });

  it('collector black-holing requests (client request timeout fires)', async () => {
    await faultScenario({
      name: 'black hole (no answer; requestTimeoutMs 500)',
      agent: 'f-blackhole',
      mode: 'blackhole',
      minFaultRequests: 2,
      check: ({ stats }) => assert.ok(stats.retried >= 2),
    });
    proxy.dropConnections();
  });

  it('collector answering slowly, within the request timeout', async () => {
    await faultScenario({
      run: { delayMs: 10 },
      name: 'slow answers (300 ms, timeout 1000 ms)',
      agent: 'f-slow',
      mode: 'slow',
      options: { delayMs: 300 },
      clientOptions: { requestTimeoutMs: 1000 },
      minFaultRequests: 1,
      check: ({ stats }) => assert.equal(stats.retried, 0, 'a slow answer within the timeout is not retried'),
    });
  });

  it('collector answering after the client gave up (stored, then re-sent: dedupe)', async () => {
    await faultScenario({
      name: 'slow answers past the timeout (900 ms, timeout 400 ms)',
      agent: 'f-slow-timeout',
      mode: 'slow',
      options: { delayMs: 900 },
      clientOptions: { requestTimeoutMs: 400 },
      minFaultRequests: 2,
      holdMs: 1000, // let the slow requests reach the collector
      check: ({ stats, duplicatesAbsorbed }) => {
        assert.ok(stats.retried >= 1);
        assert.ok(duplicatesAbsorbed > 0, 'the re-sent batch was answered as duplicates');
      },
    });
  });

  it('HTTP 500: retried with exponential backoff and jitter', async () => {
    await faultScenario({
      name: 'HTTP 500',
      agent: 'f-500',
      mode: 'status',
      options: { status: 500 },
      minFaultRequests: 4,
      check: ({ stats, since, faultRequests }) => {
        assert.equal(stats.retried, faultRequests, 'every 500 answer is retried once');
        // Attempt k waits between 100·2^k and 200·2^k ms (base 200 ms, jitter half to all).
        const g = gaps('status', since).slice(0, 3);
        g.forEach((ms, k) => {
          assert.ok(ms >= 100 * 2 ** k - 15, `gap ${k} = ${ms} ms, want >= ${100 * 2 ** k}`);
          assert.ok(ms <= 200 * 2 ** k + 600, `gap ${k} = ${ms} ms, want <= ${200 * 2 ** k} (+ slack)`);
        });
      },
      notes: ({ since }) => `gaps between attempts ${gaps('status', since).slice(0, 4).join(', ')} ms`,
    });
  });

  it('HTTP 429 with Retry-After: 1 is honoured', async () => {
    await faultScenario({
      name: 'HTTP 429, Retry-After: 1',
      agent: 'f-429',
      mode: 'status',
      options: { status: 429, headers: { 'retry-after': '1' } },
      minFaultRequests: 3,
      check: ({ since }) => {
        for (const ms of gaps('status', since)) assert.ok(ms >= 980, `retried after ${ms} ms, before Retry-After`);
      },
      notes: ({ since }) => `gaps between attempts ${gaps('status', since).join(', ')} ms`,
    });
  });

  it('HTTP 503 with Retry-After: 0 waits at least the floor (500 ms)', async () => {
    await faultScenario({
      name: 'HTTP 503, Retry-After: 0',
      agent: 'f-503',
      mode: 'status',
      options: { status: 503, headers: { 'retry-after': '0' } },
      minFaultRequests: 3,
      check: ({ since }) => {
        for (const ms of gaps('status', since)) assert.ok(ms >= 480, `retried after ${ms} ms, under the 500 ms floor`);
      },
      notes: ({ since }) => `gaps between attempts ${gaps('status', since).join(', ')} ms`,
    });
  });

  it('HTTP 413: the batch is split, the one oversize event is cut until it fits (never dropped whole)', async () => {
    const big = 'x'.repeat(200_000);
    let markerSeen = null;
    await faultScenario({
      name: 'HTTP 413 (proxy limit 64 KB; one 200 KB tool output)',
      agent: 'f-413',
      mode: 'too-large',
      options: { maxBytes: 64 * 1024 },
      sessions: 4,
      run: { bigIndex: 1, bigStdout: big },
      minFaultRequests: 1,
      holdMs: 300,
      check: ({ since, stored }) => {
        const large = proxy.log.filter((e) => e.mode === 'too-large' && e.at >= since && e.status === 413);
        assert.ok(large.length >= 2, 'the proxy answered 413');
        // After the split the oversize event went alone, and was cut until it fit.
        assert.ok(
          large.some((e) => e.events === 1),
          `413 events per request: ${large.map((e) => e.events)}`,
        );
        const s = stored.sessions.find((x) => x.convo_id === 'convo-f-413-1');
        const bash = s.tool_calls.find((c) => c.tool_name === 'Bash');
        const out = JSON.stringify(bash.output);
        assert.ok(out.length < 64 * 1024, `stored output ${out.length} bytes`);
        const marker = /…\[truncated by sentrial: (\d+) bytes\]/.exec(out);
        assert.ok(marker, `the cut is marked; output ends ${JSON.stringify(out.slice(-80))}`);
        markerSeen = marker[0];
        assert.equal(marker[1], '200000', 'the marker gives the original size, even after several cuts');
      },
      notes: ({ since }) => {
        const large = proxy.log.filter((e) => e.mode === 'too-large' && e.at >= since && e.status === 413);
        return `${plural(large.length, 'answer')} 413; the 200 KB event was cut to fit (stored with \`${markerSeen}\`), the other events delivered whole`;
      },
    });
  });

  it('HTTP 500 then the collector answers but the answer is lost (drop-response: dedupe)', async () => {
    await faultScenario({
      name: 'answer lost after the batch was stored',
      agent: 'f-drop',
      mode: 'drop-response',
      minFaultRequests: 2,
      check: ({ duplicatesAbsorbed, stats }) => {
        assert.ok(stats.retried >= 2);
        assert.ok(duplicatesAbsorbed > 0, 'the collector saw the re-sent events and did not store them again');
      },
    });
  });

  for (const [status, reason, label] of [
    [401, 'droppedUnauthorized', 'HTTP 401 (bad key)'],
    [403, 'droppedUnauthorized', 'HTTP 403'],
    [400, 'droppedRejected', 'HTTP 400 (rejected batch)'],
    [413, 'droppedTooLarge', 'HTTP 413 on every request'],
  ]) {
    it(`${label}: not retried, dropped and counted; sessions after the fix are delivered`, async () => {
      const agent = `f-refused-${status}`;
      const faultsBefore = hostFaultsAtStart();
      await proxy.setMode('pass');
      const client = newClient(proxy.url);
      const since = Date.now();
      await proxy.setMode('status', { status });
      const during = await runSessions(client, agent, 3);
      const flushedDuring = await client.flush({ timeoutMs: 10_000 });
      assert.equal(flushedDuring.timedOut, false, 'a refused batch settles at once');
      const refused = client.stats();
      assert.equal(refused.retried, 0, `${status} is not retried`);
      if (status === 413) assert.ok(proxy.seen('status', since) > 1, 'batches were split before events were dropped');
      assert.equal(refused[reason], refused.produced, 'every event of the refused batches counted once');
      const requests = proxy.seen('status', since);
      await proxy.setMode('pass');
      const afterFix = await runSessions(client, agent, 2, { offset: 3 });
      const flushed = await client.flush({ timeoutMs: 10_000 });
      assert.equal(flushed.timedOut, false);
      const stats = client.stats();
      const stored = await storedFor(collector.url, agent);
      const hostExceptions = during.exceptions + afterFix.exceptions + hostFaults.length - faultsBefore;
      const row = report({
        fault: label,
        hostExceptions,
        messagesUnchanged: during.unchanged && afterFix.unchanged,
        deliveredAfterRecovery: stats.delivered,
        stored: stored.events.length,
        produced: stats.produced,
        duplicatesStored: stored.duplicates,
        drops: dropsText(stats),
        notes: `${plural(requests, 'request')} refused, 0 retries${status === 413 ? ' (batches split down to single events, then each cut until it cannot be cut)' : ''}; the ${refused.produced} events of 3 sessions run during the fault are dropped by design (a refused batch is never retried); 2 sessions after the fix are stored complete`,
      });
      await verify(row, async () => {
        assert.equal(hostExceptions, 0);
        assert.equal(during.unchanged && afterFix.unchanged, true);
        assert.equal(stored.duplicates, 0);
        assert.equal(stored.events.length, stats.delivered);
        assert.equal(stored.events.length, stats.produced - refused.produced);
        assertAccounting(stats, { [reason]: refused.produced });
        assertSessionsComplete(stored, 2);
      });
    });
  }

  it('a flush shorter than a black-holed request resolves by its own timeout, never rejects', async () => {
    const agent = 'f-flush-timeout';
    await proxy.setMode('pass');
    const client = newClient(proxy.url, { requestTimeoutMs: 3000 });
    const since = Date.now();
    await proxy.setMode('blackhole');
    const host = await runSessions(client, agent, 1);
    await eventually(() => proxy.seen('blackhole', since) >= 1, { timeoutMs: 5000, intervalMs: 10 });
    const t0 = Date.now();
    const flushed = await client.flush({ timeoutMs: 300 });
    const took = Date.now() - t0;
    assert.equal(flushed.timedOut, true);
    assert.ok(flushed.pending > 0, JSON.stringify(flushed));
    assert.ok(took >= 280 && took < 1300, `flush took ${took} ms for a 300 ms timeout`);
    // Many flushes at once, all bounded.
    const t1 = Date.now();
    const many = await Promise.all(Array.from({ length: 20 }, () => client.flush({ timeoutMs: 200 })));
    const tookMany = Date.now() - t1;
    assert.ok(many.every((f) => f.timedOut === true));
    assert.ok(tookMany < 1200, `20 concurrent flushes took ${tookMany} ms`);
    await proxy.setMode('pass');
    const recovered = Date.now();
    const after = await client.flush({ timeoutMs: 15_000 });
    const recoveryMs = Date.now() - recovered;
    assert.equal(after.timedOut, false);
    const stats = client.stats();
    const stored = await storedFor(collector.url, agent);
    const row = report({
      fault: 'black hole, flush({timeoutMs: 300}) with requestTimeoutMs 3000',
      hostExceptions: host.exceptions,
      messagesUnchanged: host.unchanged,
      deliveredAfterRecovery: stats.delivered,
      stored: stored.events.length,
      produced: stats.produced,
      duplicatesStored: stored.duplicates,
      drops: dropsText(stats),
      notes: `flush resolved {timedOut: true} in ${took} ms; 20 concurrent 200 ms flushes in ${tookMany} ms; after recovery delivered in ${recoveryMs} ms (the held request first times out)`,
    });
    await verify(row, async () => {
      assert.equal(host.exceptions, 0);
      assert.equal(host.unchanged, true);
      assert.equal(stored.events.length, stats.produced);
      assertAccounting(stats);
      assertSessionsComplete(stored, 1);
    });
    proxy.dropConnections();
  });

  it('manual sessions through refused connections, then HTTP 500: nothing lost, nothing doubled', async () => {
    const agent = 'f-manual';
    const faultsBefore = hostFaultsAtStart();
    await proxy.setMode('pass');
    const client = newClient(proxy.url, { failSilently: false });
    const since = Date.now();
    await proxy.setMode('refuse');
    let thrown = 0;
    const ids = [];
    for (let i = 0; i < 4; i++) {
      try {
        const id = await client.createSession({ name: `manual-${i}`, agentName: agent, userId: 'user-fault' });
        client.trackLLMCall({ sessionId: id, model: 'gpt-4o', promptTokens: 100, completionTokens: 10, costUsd: 0.01 });
        client.trackToolCall({ sessionId: id, toolName: 'Bash', toolInput: { command: 'ls' }, toolOutput: 'a\nb' });
        client.trackDecision({ sessionId: id, reasoning: 'read next', chosen: 'Read' });
        client.trackToolCall({ sessionId: id, toolName: 'Read', toolInput: { file_path: '/x' }, toolError: 'ENOENT' });
        client.trackError({ sessionId: id, error: new Error('ENOENT') });
        if (i === 1) await proxy.setMode('status', { status: 500 });
        await client.completeSession({ sessionId: id, output: 'done', customMetrics: { step: i } });
        ids.push(id);
      } catch {
        thrown += 1;
      }
    }
    await sleep(1200);
    await proxy.setMode('pass');
    const flushed = await client.flush({ timeoutMs: 20_000 });
    assert.equal(flushed.timedOut, false, JSON.stringify(client.stats()));
    const stats = client.stats();
    const stored = await storedFor(collector.url, agent);
    const row = report({
      fault: 'manual sessions: connection refused, then HTTP 500',
      hostExceptions: thrown + hostFaults.length - faultsBefore,
      messagesUnchanged: true,
      deliveredAfterRecovery: stats.delivered,
      stored: stored.events.length,
      produced: stats.produced,
      duplicatesStored: stored.duplicates,
      drops: dropsText(stats),
      notes: `${plural(stats.retried, 'retry', 'retries')}; ${proxy.seen('status', since)} requests answered 500`,
    });
    await verify(row, async () => {
      assert.equal(thrown + hostFaults.length - faultsBefore, 0, 'no exception reached the host');
      assert.ok(stats.retried >= 2, `retried ${stats.retried}`);
      assert.equal(stored.duplicates, 0);
      assert.equal(stored.events.length, stats.produced);
      assertAccounting(stats);
      // 4 sessions × (start, llm call, 2 tool calls, decision, error, end).
      assert.equal(stats.produced, 4 * 7);
      assert.equal(stored.sessions.length, 4);
      for (const s of stored.sessions) {
        assert.equal(s.status, 'completed');
        assert.ok(Math.abs(s.cost_usd - 0.01) < 1e-12, `session ${s.id} cost ${s.cost_usd}`);
        assert.deepEqual(
          s.tool_calls.map((c) => [c.tool_name, c.status]),
          [
            ['Bash', 'success'],
            ['Read', 'error'],
          ],
        );
      }
      assert.deepEqual(stored.sessions.map((s) => s.id).sort(), ids.sort());
    });
  });

  it('the collector killed (SIGKILL) mid-run and started again on the same port and database', async () => {
    const agent = 'f-kill';
    const faultsBefore = hostFaultsAtStart();
    const port = await freePort();
    const db = path.join(work.dir, 'kill.db');
    let own = await startCollectorAt({ port, db });
    try {
      // Direct to the collector: the client sees the real refused connections and cut requests.
      const client = newClient(own.url);
      const sessions = 6;
      // Sequential sessions, 15 ms between steps: the run spans the kill and the restart.
      const running = (async () => {
        let exceptions = 0;
        let unchanged = true;
        for (let i = 0; i < sessions; i++) {
          const r = await runOne(client, agent, `${agent}-${i}`, { delayMs: 15 });
          exceptions += r.exceptions;
          unchanged &&= r.unchanged;
        }
        return { exceptions, unchanged };
      })();
      await eventually(() => client.stats().delivered > 0, { timeoutMs: 10_000, intervalMs: 5 });
      const deliveredBeforeKill = client.stats().delivered;
      await own.kill('SIGKILL');
      const killedAt = Date.now();
      await sleep(800);
      const retriedWhileDown = client.stats().retried;
      own = await startCollectorAt({ port, db });
      const downMs = Date.now() - killedAt;
      const host = await running;
      const flushed = await client.flush({ timeoutMs: 20_000 });
      assert.equal(flushed.timedOut, false);
      const stats = client.stats();
      const stored = await storedFor(own.url, agent);
      const hostExceptions = host.exceptions + hostFaults.length - faultsBefore;
      const row = report({
        fault: 'collector killed (SIGKILL) mid-run, restarted on the same port and db',
        hostExceptions,
        messagesUnchanged: host.unchanged,
        deliveredAfterRecovery: stats.delivered - deliveredBeforeKill,
        stored: stored.events.length,
        produced: stats.produced,
        duplicatesStored: stored.duplicates,
        drops: dropsText(stats),
        notes: `down ${downMs} ms; ${plural(deliveredBeforeKill, 'event')} delivered before the kill; ${plural(retriedWhileDown, 'retry', 'retries')} while down, ${stats.retried} in all`,
      });
      await verify(row, async () => {
        assert.equal(hostExceptions, 0);
        assert.equal(host.unchanged, true);
        assert.ok(retriedWhileDown >= 1, 'the client did hit the dead collector');
        assert.equal(stored.duplicates, 0);
        assert.equal(stored.events.length, stats.delivered);
        assert.equal(stored.events.length, stats.produced);
        assertAccounting(stats);
        assertSessionsComplete(stored, sessions);
      });
    } finally {
      await own.kill();
    }
  });

  it('the real SDK and CLI: the stream passes unchanged through a fault, and the session is stored once', async () => {
    const agent = 'f-real-sdk';
    const faultsBefore = hostFaultsAtStart();
    const model = await startScriptedModel();
    try {
      const prompt = '[scenario:tool-success] Fix the failing tests in src/auth.ts';
      // Unwrapped run, for the shape of the stream.
      const plain = [];
      for await (const m of realQuery({ prompt, options: sdkOptions(model.url, { tools: ['Bash'] }) })) plain.push(m);

      await proxy.setMode('pass');
      const client = newClient(proxy.url);
      const since = Date.now();
      await proxy.setMode('drop-response');
      // Record what the SDK's own Query yields, under the wrapper.
      const raw = [];
      const recordingQuery = (params) => {
        const q = realQuery(params);
        const next = q.next.bind(q);
        q.next = async (...a) => {
          const r = await next(...a);
          if (!r.done) raw.push(r.value);
          return r;
        };
        return q;
      };
      const seen = [];
      let exceptions = 0;
      try {
        const tracked = wrapClaudeAgent(recordingQuery, { client, defaultAgent: agent, userId: 'user-fault' });
        for await (const m of tracked({ prompt, options: sdkOptions(model.url, { tools: ['Bash'] }) })) seen.push(m);
      } catch {
        exceptions++;
      }
      await eventually(() => proxy.seen('drop-response', since) >= 2, { timeoutMs: 15_000, intervalMs: 20 });
      const dupBefore = proxy.ingest.duplicates;
      await proxy.setMode('pass');
      const flushed = await client.flush({ timeoutMs: 20_000 });
      assert.equal(flushed.timedOut, false);
      const stats = client.stats();
      const stored = await storedFor(collector.url, agent);
      const shape = (ms) => ms.map((m) => `${m.type}/${m.subtype ?? ''}`);
      const unchanged =
        seen.length === raw.length && seen.every((m, i) => m === raw[i]) && sameJson(shape(seen), shape(plain));
      const hostExceptions = exceptions + hostFaults.length - faultsBefore;
      const dupAbsorbed = proxy.ingest.duplicates - dupBefore;
      const row = report({
        fault: 'real SDK + CLI (tool-success), answer lost after store',
        hostExceptions,
        messagesUnchanged: unchanged,
        deliveredAfterRecovery: stats.delivered,
        stored: stored.events.length,
        produced: stats.produced,
        duplicatesStored: stored.duplicates,
        drops: dropsText(stats),
        notes: `${seen.length} SDK messages, the same objects the SDK yielded, same types as an unwrapped run; ${plural(proxy.seen('drop-response', since), 'answer')} lost; collector answered ${plural(dupAbsorbed, 're-sent event')} as duplicates`,
      });
      await verify(row, async () => {
        assert.equal(hostExceptions, 0);
        assert.equal(unchanged, true, `wrapped ${shape(seen)} vs raw ${shape(raw)} vs plain ${shape(plain)}`);
        assert.equal(stored.duplicates, 0);
        assert.equal(stored.events.length, stats.produced);
        assertAccounting(stats);
        assert.equal(stored.sessions.length, 1);
        const [s] = stored.sessions;
        assert.equal(s.status, 'completed');
        assert.equal(s.tool_calls.length, 1);
        assert.equal(s.tool_calls[0].tool_name, 'Bash');
        assert.equal(s.tool_calls[0].status, 'success');
        assert.ok(dupAbsorbed > 0, 'the lost answers made the client re-send stored events');
      });
    } finally {
      await model.close();
    }
  });
});

// --- the host process exiting with events pending ------------------------------------------------
//
// Contract (SentrialClient option exitTimeoutMs, default 2000): on a normal exit (the event loop
// empties) pending events are delivered before the process ends; on process.exit() and on SIGTERM
// (no user handler) a bounded synchronous best effort delivers them; with the collector
// black-holed, the process still exits within exitTimeoutMs + 1 s.

function childScript({ apiUrl, agent, how, exitTimeoutMs }) {
  return `
    const { SentrialClient, wrapClaudeAgent } = require(${JSON.stringify(path.join(repoRoot, 'index.js'))});
    const client = new SentrialClient({
      apiKey: ${JSON.stringify(API_KEY)}, apiUrl: ${JSON.stringify(apiUrl)},
      flushIntervalMs: 60000, requestTimeoutMs: 5000, exitTimeoutMs: ${exitTimeoutMs},
    });
    const HOOK = { hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'echo hi' }, tool_response: { stdout: 'hi' }, tool_use_id: 'toolu_x' };
    const STEPS = [
      { message: { type: 'system', subtype: 'init', session_id: 'cc-exit', model: 'claude-sonnet-4-5' } },
      { message: { type: 'assistant', parent_tool_use_id: null, message: { id: 'm1', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: 'toolu_x', name: 'Bash', input: { command: 'echo hi' } }] } } },
      { hook: 'PostToolUse', input: HOOK },
      { message: { type: 'user', parent_tool_use_id: null, message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'hi', is_error: false }] } } },
      { message: { type: 'result', subtype: 'success', is_error: false, result: 'ok', num_turns: 2, total_cost_usd: 0.01, modelUsage: {} } },
    ];
    const fakeQuery = require(${JSON.stringify(path.join(repoRoot, '__test__', 'support', 'fake-query.cjs'))}).fakeQuery(STEPS);
    (async () => {
      const seen = [];
      for await (const m of wrapClaudeAgent(fakeQuery, { client, defaultAgent: ${JSON.stringify(agent)}, userId: 'user-exit' })({ prompt: 'hi', options: {} })) seen.push(m);
      const expected = STEPS.filter((s) => s.message).map((s) => s.message);
      const unchanged = seen.length === expected.length && seen.every((m, i) => m === expected[i]);
      for (let i = 0; i < 200 && client.stats().produced < 5; i++) await new Promise((r) => setTimeout(r, 10));
      console.log(JSON.stringify({ ready: true, unchanged, stats: client.stats() }));
      ${how === 'exit' ? 'process.exit(0);' : ''}
      ${how === 'sigterm' ? 'setInterval(() => {}, 1000);' : ''}
    })();
  `;
}

/** Runs a child host; resolves with its exit, its ready-line stats and ms from ready to exit. */
function runChild(source, how) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SENTRIAL_API_KEY: '' },
    });
    let stderr = '';
    let ready = null;
    let readyAt = 0;
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.ready) {
          ready = msg;
          readyAt = Date.now();
          if (how === 'sigterm') child.kill('SIGTERM');
        }
      } catch {
        // not ours
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stderr, ready, ms: readyAt ? Date.now() - readyAt : null });
    });
  });
}

describe('the host process exiting with events pending', () => {
  let blackhole;
  before(async () => {
    blackhole = await startFaultProxy({ target: 'http://127.0.0.1:9', mode: 'blackhole' });
  });
  after(async () => {
    await blackhole?.close();
  });

  const exitLabel = { normal: 'event loop empties', exit: 'process.exit(0)', sigterm: 'SIGTERM (no user handler)' };
  // The child's one session: start, its tool call, its model call, its result, its end.
  const EVENTS = 5;

  for (const how of ['normal', 'exit', 'sigterm']) {
    it(`${exitLabel[how]}: pending events are delivered before the process ends`, async () => {
      const agent = `f-exit-${how}`;
      const res = await runChild(childScript({ apiUrl: collector.url, agent, how, exitTimeoutMs: 2000 }), how);
      assert.ok(res.ready, `child never got ready: ${res.stderr}`);
      assert.equal(res.ready.stats.produced, EVENTS, JSON.stringify(res.ready.stats));
      assert.equal(res.ready.stats.pending, EVENTS, 'every event was still pending when the host exited');
      if (how === 'sigterm') assert.ok(res.signal === 'SIGTERM' || res.code === 143, `exit ${res.code}/${res.signal}`);
      else assert.equal(res.code, 0, res.stderr);
      const stored = await storedFor(collector.url, agent);
      const row = report({
        fault: `host exit: ${exitLabel[how]}, events pending`,
        hostExceptions: res.stderr.includes('Error') ? 1 : 0,
        messagesUnchanged: res.ready.unchanged,
        deliveredAfterRecovery: stored.events.length,
        stored: stored.events.length,
        produced: res.ready.stats.produced,
        duplicatesStored: stored.duplicates,
        drops: 'n/a (process gone)',
        notes: `exited ${res.ms} ms after its last event; exit ${res.signal ?? res.code}`,
      });
      await verify(row, async () => {
        assert.ok(!/Error/.test(res.stderr), res.stderr);
        assert.equal(res.ready.unchanged, true, 'the child host saw the messages unchanged');
        assert.equal(stored.events.length, EVENTS, 'all pending events stored');
        assert.equal(stored.duplicates, 0);
        assert.equal(stored.sessions.length, 1);
        assert.equal(stored.sessions[0].status, 'completed');
        assert.equal(stored.sessions[0].tool_calls.length, 1);
        assert.ok(res.ms < 2000 + 1000, `exit took ${res.ms} ms`);
      });
    });

    it(`${exitLabel[how]}, collector black-holed: exits within exitTimeoutMs + 1 s`, async () => {
      const exitTimeoutMs = 1000;
      const since = Date.now();
      const res = await runChild(
        childScript({ apiUrl: blackhole.url, agent: `f-exit-bh-${how}`, how, exitTimeoutMs }),
        how,
      );
      assert.ok(res.ready, `child never got ready: ${res.stderr}`);
      assert.equal(res.ready.stats.pending, EVENTS);
      if (how === 'sigterm') assert.ok(res.signal === 'SIGTERM' || res.code === 143, `exit ${res.code}/${res.signal}`);
      else assert.equal(res.code, 0, res.stderr);
      const row = report({
        fault: `host exit: ${exitLabel[how]}, collector black-holed (exitTimeoutMs 1000)`,
        hostExceptions: res.stderr.includes('Error') ? 1 : 0,
        messagesUnchanged: res.ready.unchanged,
        deliveredAfterRecovery: 0,
        stored: 0,
        produced: res.ready.stats.produced,
        duplicatesStored: 0,
        drops: 'n/a (process gone; 5 pending lost)',
        notes: `exited ${res.ms} ms after its last event; exit ${res.signal ?? res.code}`,
      });
      await verify(row, async () => {
        assert.ok(!/Error/.test(res.stderr), res.stderr);
        assert.equal(res.ready.unchanged, true, 'the child host saw the messages unchanged');
        // Exit-time delivery must have been attempted (the black hole saw a request) and given up in time.
        assert.ok(res.ms <= exitTimeoutMs + 1000, `exit took ${res.ms} ms`);
        assert.ok(blackhole.seen('blackhole', since) >= 1, 'delivery at exit was attempted');
      });
    });
  }
});
