// The host's life: tracking never keeps a process alive and never throws into it.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './support/harness.mjs';

const FAKE_QUERY = path.join(repoRoot, '__test__', 'support', 'fake-query.cjs');
// A run's messages: init and a result.
const MESSAGES = [
  { type: 'system', subtype: 'init', session_id: 's', model: 'claude-sonnet-4-5' },
  { type: 'result', subtype: 'success', is_error: false, result: 'ok', total_cost_usd: 0.01, modelUsage: {} },
];

const script = (body) => `
  const { SentrialClient, wrapClaudeAgent } = require(${JSON.stringify(path.join(repoRoot, 'index.js'))});
  const fakeQuery = require(${JSON.stringify(FAKE_QUERY)}).fakeQuery(${JSON.stringify(MESSAGES.map((message) => ({ message })))});
  ${body}
`;

function runNode(source, env = {}, flags = []) {
  const started = Date.now();
  const res = spawnSync(process.execPath, [...flags, '-e', source], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, SENTRIAL_API_KEY: '', ...env },
  });
  return { ...res, ms: Date.now() - started };
}

it('a process with pending events to an unreachable collector exits on its own, promptly', () => {
  const res = runNode(
    script(`
      const client = new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9' });
      (async () => {
        for await (const m of wrapClaudeAgent(fakeQuery, { client })({ prompt: 'hi' })) {}
        // The worker reads the messages off this thread; wait until it has made the events.
        for (let i = 0; i < 40 && client.stats().produced < 3; i++) await new Promise((r) => setTimeout(r, 50));
        console.log(JSON.stringify(client.stats()));
      })();
    `),
  );
  assert.equal(res.status, 0, res.stderr);
  const stats = JSON.parse(res.stdout);
  // start, result, end: all still pending, since the collector is unreachable.
  assert.equal(stats.produced, 3, res.stdout);
  assert.equal(stats.pending + stats.dropped, 3, res.stdout);
  assert.ok(res.ms < 5000, `exit took ${res.ms} ms`);
});

it('a missing key warns once, turns tracking off, and the agent still runs', () => {
  const res = runNode(
    script(`
      const client = new SentrialClient({});
      new SentrialClient({});
      (async () => {
        const seen = [];
        for await (const m of wrapClaudeAgent(fakeQuery, { client })({ prompt: 'hi' })) seen.push(m.type);
        console.log(JSON.stringify({ enabled: client.enabled, seen }));
      })();
    `),
  );
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { enabled: false, seen: ['system', 'result'] });
  const warnings = res.stderr.split('\n').filter((l) => l.includes('SentrialWarning'));
  assert.equal(warnings.length, 1, res.stderr);
  assert.match(warnings[0], /no API key/);
});

it('an invalid apiUrl warns and turns tracking off instead of throwing', () => {
  const res = runNode(
    script(`
      const client = new SentrialClient({ apiKey: 'k', apiUrl: 'ftp://nope' });
      console.log(JSON.stringify({ enabled: client.enabled }));
    `),
  );
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { enabled: false });
  assert.match(res.stderr, /tracking is off: invalid apiUrl/);
});

it('never prints the API key, even with debug output on', () => {
  const secret = 'sk-sentrial-SECRET-' + 'x'.repeat(12);
  const res = runNode(
    script(`
      const client = new SentrialClient({ apiKey: ${JSON.stringify(secret)}, apiUrl: 'http://127.0.0.1:9', requestTimeoutMs: 200 });
      (async () => {
        for await (const m of wrapClaudeAgent(fakeQuery, { client })({ prompt: 'hi' })) {}
        await client.flush({ timeoutMs: 800 });
      })();
    `),
    { SENTRIAL_DEBUG: '1' },
  );
  assert.equal(res.status, 0, res.stderr);
  assert.ok(res.stderr.length > 0, 'debug output is on');
  assert.ok(!res.stderr.includes(secret) && !res.stdout.includes(secret));
});

it('events spooled to disk while the collector is down are delivered by the next process', async () => {
  const { startCollector, tempDir } = await import('./support/harness.mjs');
  const spool = tempDir('sentrial-spool-');
  const collector = await startCollector();
  try {
    const first = runNode(
      script(`
        const client = new SentrialClient({ apiKey: ${JSON.stringify(collector.apiKey)}, apiUrl: 'http://127.0.0.1:9',
          spoolDir: ${JSON.stringify(spool.dir)}, exitTimeoutMs: 300, requestTimeoutMs: 200 });
        (async () => {
          for await (const m of wrapClaudeAgent(fakeQuery, { client, defaultAgent: 'spooled' })({ prompt: 'survive me' })) {}
          for (let i = 0; i < 40 && client.stats().produced < 3; i++) await new Promise((r) => setTimeout(r, 50));
          console.log(JSON.stringify(client.stats()));
        })();
      `),
    );
    assert.equal(first.status, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).delivered, 0);
    const second = runNode(
      script(`
        const client = new SentrialClient({ apiKey: ${JSON.stringify(collector.apiKey)}, apiUrl: ${JSON.stringify(collector.url)},
          spoolDir: ${JSON.stringify(spool.dir)} });
        client.flush({ timeoutMs: 5000 }).then(() => console.log(JSON.stringify(client.stats())));
      `),
    );
    assert.equal(second.status, 0, second.stderr);
    const stats = JSON.parse(second.stdout);
    assert.equal(stats.recovered, 3, second.stdout);
    assert.equal(stats.delivered, 3, second.stdout);
    const { sessions } = await collector.get('/api/sessions?agent=spooled');
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].status, 'completed');
    assert.equal(sessions[0].input, 'survive me');
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(spool.dir), [], 'delivered segments are deleted');
  } finally {
    await collector.stop();
    spool.cleanup();
  }
});

it('a client no code refers to any more still delivers at exit, after a garbage collection', async () => {
  const { startCollector } = await import('./support/harness.mjs');
  const collector = await startCollector();
  try {
    const res = runNode(
      script(`
        // Nothing refers to the client once this function has returned, as nothing refers to a
        // script's top-level client once its body has run.
        (async () => {
          const client = new SentrialClient({ apiKey: ${JSON.stringify(collector.apiKey)}, apiUrl: ${JSON.stringify(collector.url)},
            flushIntervalMs: 60000 });
          for await (const m of wrapClaudeAgent(fakeQuery, { client, defaultAgent: 'unreferenced' })({ prompt: 'keep me' })) {}
        })().then(() => setTimeout(() => {
          globalThis.gc();
          globalThis.gc();
        }, 50));
      `),
      {},
      ['--expose-gc'],
    );
    assert.equal(res.status, 0, res.stderr);
    const { sessions } = await collector.get('/api/sessions?agent=unreferenced');
    assert.equal(sessions.length, 1, 'the exit flush delivered the session');
    assert.equal(sessions[0].status, 'completed');
  } finally {
    await collector.stop();
  }
});

it('an unusable spool directory falls back to memory and is counted', () => {
  const res = runNode(
    script(`
      const client = new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', spoolDir: '/proc/sentrial-no-such-dir', exitTimeoutMs: 0 });
      (async () => {
        for await (const m of wrapClaudeAgent(fakeQuery, { client })({ prompt: 'hi' })) {}
        for (let i = 0; i < 40 && client.stats().produced < 3; i++) await new Promise((r) => setTimeout(r, 50));
        console.log(JSON.stringify(client.stats()));
      })();
    `),
  );
  assert.equal(res.status, 0, res.stderr);
  const stats = JSON.parse(res.stdout);
  assert.equal(stats.spoolErrors, 1);
  assert.equal(stats.produced, 3);
  assert.match(res.stderr, /cannot use the spool directory/);
});

it('works from worker_threads and with the module loaded twice in one process', async () => {
  const { startCollector } = await import('./support/harness.mjs');
  const collector = await startCollector();
  try {
    const res = runNode(
      script(`
        const { Worker } = require('node:worker_threads');
        const path = require('node:path');
        const opts = { apiKey: ${JSON.stringify(collector.apiKey)}, apiUrl: ${JSON.stringify(collector.url)} };
        const workerCode = \`
          const { parentPort, workerData } = require('node:worker_threads');
          const { SentrialClient, wrapClaudeAgent } = require(workerData.index);
          const fakeQuery = require(workerData.fakeQuery).fakeQuery([
            { message: { type: 'system', subtype: 'init', session_id: 'w', model: 'm' } },
            { message: { type: 'result', subtype: 'success', is_error: false, result: 'from worker', total_cost_usd: 0.1, modelUsage: {} } },
          ]);
          (async () => {
            const client = new SentrialClient(workerData.opts);
            for await (const m of wrapClaudeAgent(fakeQuery, { client, defaultAgent: 'threads' })({ prompt: 'worker ' + workerData.n })) {}
            parentPort.postMessage(await client.flush({ timeoutMs: 5000 }));
          })();\`;
        const index = ${JSON.stringify(path.join(repoRoot, 'index.js'))};
        const runs = [1, 2, 3].map((n) => new Promise((resolve, reject) => {
          const w = new Worker(workerCode, { eval: true, workerData: { opts, n, index, fakeQuery: ${JSON.stringify(FAKE_QUERY)} } });
          w.once('message', resolve); w.once('error', reject);
        }));
        // A second copy of the module (another entry in the require cache) in the main thread.
        delete require.cache[index];
        for (const k of Object.keys(require.cache)) if (k.includes(path.sep + 'lib' + path.sep)) delete require.cache[k];
        const copy = require(index);
        const client = new copy.SentrialClient(opts);
        runs.push((async () => {
          for await (const m of copy.wrapClaudeAgent(fakeQuery, { client, defaultAgent: 'threads' })({ prompt: 'main copy' })) {}
          return client.flush({ timeoutMs: 5000 });
        })());
        Promise.all(runs).then((r) => console.log(JSON.stringify(r)));
      `),
    );
    assert.equal(res.status, 0, res.stderr);
    const flushes = JSON.parse(res.stdout);
    assert.equal(flushes.length, 4);
    for (const f of flushes) assert.equal(f.timedOut, false);
    const { sessions } = await collector.get('/api/sessions?agent=threads');
    assert.deepEqual(sessions.map((s) => s.input).sort(), ['main copy', 'worker 1', 'worker 2', 'worker 3']);
    assert.ok(sessions.every((s) => s.status === 'completed'));
  } finally {
    await collector.stop();
  }
});
