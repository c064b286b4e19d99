// Past one machine: two collectors (`sentrial serve --database-url`) on one PostgreSQL database
// behind a round-robin load balancer, the real SDK and CLI tracked through it. One collector is
// stopped mid-run; the SDK's retries go to the other. Both collectors then answer the same for
// every session, with every event stored once, as a single collector stores the same runs.
//
// Needs the PostgreSQL server that scripts/test.sh starts (SENTRIAL_TEST_DATABASE_URL).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { drain, sdkOptions, startCollector, startScriptedModel } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');

const ADMIN_URL = process.env.SENTRIAL_TEST_DATABASE_URL;

/** A new empty database on the test server; its URL. */
function freshDatabase() {
  const name = `sentrial_node_${process.pid}_${Date.now()}`;
  execFileSync('psql', [ADMIN_URL, '-qc', `CREATE DATABASE ${name}`]);
  return ADMIN_URL.replace(/\/[^/?]*(\?.*)?$/, `/${name}`);
}

/** A round-robin HTTP load balancer over `backends` (URLs); 502 when the chosen one is down. */
async function loadBalancer(backends) {
  let next = 0;
  const counts = backends.map(() => 0);
  const server = http.createServer((req, res) => {
    const i = next++ % backends.length;
    const target = new URL(req.url, backends[i]);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
      counts[i] += 1;
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"bad gateway"}');
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The session as the read API gives it, minus when each collector received it. */
async function sessionOf(collector, id) {
  const s = await collector.get(`/api/sessions/${encodeURIComponent(id)}`);
  delete s.received_at;
  return s;
}

describe('two collectors on one PostgreSQL database behind a load balancer', {
  skip: !ADMIN_URL && 'SENTRIAL_TEST_DATABASE_URL is not set (scripts/test.sh sets it)',
}, () => {
  const apiKey = 'scaling-key-0123456789';
  let a;
  let b;
  let single;
  let lb;
  let model;
  let databaseUrl;

  before(async () => {
    databaseUrl = freshDatabase();
    [a, b, single, model] = await Promise.all([
      startCollector({ apiKey, databaseUrl }),
      startCollector({ apiKey, databaseUrl }),
      startCollector({ apiKey }),
      startScriptedModel(),
    ]);
    lb = await loadBalancer([a.url, b.url]);
  });

  after(async () => {
    await lb?.close();
    await Promise.all([a?.stop(), b?.stop(), single?.stop(), model?.close()]);
  });

  it('stores every session once, the same through either collector, with one collector stopped mid-run', async () => {
    const prompts = [
      '[scenario:tool-success] first',
      '[scenario:parallel-tools] second',
      '[scenario:tool-failure] third',
    ];
    const runAll = async (apiUrl, beforeRun = async () => {}) => {
      const client = new SentrialClient({ apiKey, apiUrl, flushIntervalMs: 50 });
      const tracked = wrapClaudeAgent(query, { client, defaultAgent: 'scaling', userId: 'u-1', convoId: 'thread-1' });
      const ids = [];
      for (const [i, prompt] of prompts.entries()) {
        await beforeRun(i);
        const run = await drain(
          tracked({ prompt, options: sdkOptions(model.url, { tools: ['Bash', 'Read', 'Glob'] }) }),
        );
        assert.equal(run.error, null, String(run.error));
        ids.push(run.messages.find((m) => m.type === 'system' && m.subtype === 'init').session_id);
        assert.equal((await client.flush({ timeoutMs: 15_000 })).timedOut, false);
      }
      const stats = client.stats();
      await client.shutdown({ timeoutMs: 2000 });
      return { ids, stats };
    };

    // Through the load balancer; before the third run, collector `a` stops.
    const balanced = await runAll(lb.url, async (i) => {
      if (i === 2) await a.stop();
    });
    assert.ok(lb.counts[0] > 0 && lb.counts[1] > 0, `both collectors took requests: ${lb.counts}`);
    // The same runs into one SQLite collector: the reference.
    await runAll(single.url);

    const list = await b.get('/api/sessions?limit=50');
    assert.equal(list.sessions.length, 3, 'three sessions, none lost, none doubled');
    const reference = await single.get('/api/sessions?limit=50');
    for (const claudeId of balanced.ids) {
      const mine = list.sessions.find((s) => s.claude_session_id === claudeId);
      assert.ok(mine, `session of ${claudeId} stored`);
      const viaB = await sessionOf(b, mine.id);
      const events = await b.get(`/api/sessions/${mine.id}/events`);
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'every event stored once');
      assert.equal(events[0].type, 'session_start', 'the start is stored first');
      // The reference session of the same prompt: same shape and figures, other ids and times.
      const ref = reference.sessions.find((s) => s.input === viaB.input);
      const refDetail = await sessionOf(single, ref.id);
      const shape = (s) => ({
        status: s.status,
        agent: s.agent,
        user_id: s.user_id,
        convo_id: s.convo_id,
        output: s.output,
        total_tokens: s.total_tokens,
        cost_usd: s.cost_usd,
        // Each run has its own temporary cwd.
        tools: s.tool_calls.map((t) => [
          t.tool_name,
          t.status,
          JSON.stringify(t.input).replace(/sentrial-cwd-\w+/g, 'CWD'),
        ]),
        model_calls: s.model_calls.length,
      });
      assert.deepEqual(shape(viaB), shape(refDetail), `session ${viaB.input}`);
    }
    assert.equal(balanced.stats.dropped, 0, 'nothing dropped');
  });

  it('a collector started later on the same database answers the same', async () => {
    const later = await startCollector({ apiKey, databaseUrl });
    try {
      const strip = (list) => list.sessions.map(({ received_at, ...rest }) => rest);
      const viaB = await b.get('/api/sessions?limit=50');
      assert.equal(viaB.sessions.length, 3);
      assert.deepEqual(strip(await later.get('/api/sessions?limit=50')), strip(viaB));
      for (const s of viaB.sessions) {
        assert.deepEqual(await sessionOf(later, s.id), await sessionOf(b, s.id));
      }
    } finally {
      await later.stop();
    }
  });
});
