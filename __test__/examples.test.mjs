// Every example under examples/ runs here, as written, against the real collector and the real
// SDK and CLI (the model answered offline by tools/scripted-model). The examples import
// '@sentrial/sdk' by name: inside this repo that resolves to the package itself (self-reference
// through package.json "exports"), the same specifier a user's code has.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { repoRoot, startCollector, startScriptedModel, tempDir } from './support/harness.mjs';

const examples = path.join(repoRoot, 'examples');
let collector;
let model;
let work;
const cleanups = [];

/** The environment a deployed example has: the collector's URL and key, the offline model. */
function exampleEnv(extra = {}) {
  const config = tempDir('sentrial-claude-');
  cleanups.push(config.cleanup);
  const env = { ...process.env };
  for (const k of ['SENTRIAL_DEBUG', 'DEBUG', 'NODE_OPTIONS']) delete env[k];
  return {
    ...env,
    SENTRIAL_API_URL: collector.url,
    SENTRIAL_API_KEY: collector.apiKey,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
    ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: config.dir,
    CLAUDE_CODE_TMPDIR: config.dir,
    ...extra,
  };
}

/** Runs `node examples/<file> ...args` to completion in a scratch cwd. */
function runExample(file, args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(examples, file), ...args], {
      cwd: work,
      env: exampleEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function sessions(query) {
  const { sessions: list } = await collector.get('/api/sessions?' + new URLSearchParams({ limit: '100', ...query }));
  return list;
}

before(async () => {
  collector = await startCollector();
  model = await startScriptedModel();
  const dir = tempDir('sentrial-examples-');
  work = dir.dir;
  cleanups.push(dir.cleanup);
});

after(async () => {
  await model?.close();
  await collector?.stop();
  for (const c of cleanups) c();
});

describe('examples/', () => {
  it('quickstart.mjs: a tracked run with a tool call is in the collector when the process exits', async () => {
    const res = await runExample('quickstart.mjs', ['[scenario:tool-success] run a command'], { USER_ID: 'qs-user' });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Done: tool-success/);
    assert.match(res.stdout, /→ Bash/);
    assert.match(res.stdout, /events delivered, 0 pending/);
    // No polling: flush() before exit means it is stored already.
    const [s, ...more] = await sessions({ agent: 'quickstart', user_id: 'qs-user' });
    assert.equal(more.length, 0);
    assert.equal(s.status, 'completed');
    assert.equal(s.tool_call_count, 1);
    assert.ok(s.cost_usd > 0, JSON.stringify(s));
    assert.deepEqual(s.metadata.environment, 'example');
    const full = await collector.get(`/api/sessions/${s.id}`);
    assert.equal(full.tool_calls[0].tool_name, 'Bash');
    assert.equal(full.tool_calls[0].status, 'success');
  });

  it('manual.mjs: an agent loop written by hand on the Messages API, tracked with the manual API', async () => {
    const res = await runExample('manual.mjs', ['[scenario:manual-weather] weather in Paris?'], {
      USER_ID: 'manual-user',
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /It is sunny in Paris/);
    assert.match(res.stdout, /events delivered, 0 pending/);
    const [s, ...more] = await sessions({ agent: 'weather-agent', user_id: 'manual-user' });
    assert.equal(more.length, 0);
    const full = await collector.get(`/api/sessions/${s.id}`);
    assert.equal(full.status, 'completed');
    assert.equal(full.entry_point, 'manual');
    assert.equal(full.metadata.version, '1.0.0');
    assert.deepEqual(
      full.tool_calls.map((c) => [c.tool_name, c.status, c.input, c.output]),
      [['get_weather', 'success', { city: 'Paris' }, { city: 'Paris', sky: 'sunny', celsius: 21 }]],
    );
    assert.equal(full.model_calls.length, 2);
    // No cost was given: each call is priced from the table (claude-sonnet-4-5: $3 in, $15 out
    // per million tokens, cache reads at 0.1x, writes at 1.25x), and the session is their sum.
    const price = (m) =>
      (m.input_tokens * 3 + m.output_tokens * 15 + m.cache_read_tokens * 0.3 + m.cache_creation_tokens * 3.75) / 1e6;
    const sum = full.model_calls.reduce((a, m) => a + price(m), 0);
    assert.ok(sum > 0);
    assert.ok(Math.abs(full.cost_usd - sum) < 1e-9, `${full.cost_usd} != ${sum}`);
    assert.equal(full.cost_estimated, true);
    assert.deepEqual(full.metrics, { turns: 2 });
    assert.equal(full.output, 'It is sunny in Paris. Done: manual-weather');
  });

  it('quickstart.mjs with SENTRIAL_DEBUG=1 / DEBUG=sentrial: says what it does on stderr, never a key', async () => {
    for (const flag of [{ SENTRIAL_DEBUG: '1' }, { DEBUG: 'sentrial' }]) {
      const res = await runExample('quickstart.mjs', ['[scenario:hello] hi'], { ...flag, USER_ID: 'debug-user' });
      assert.equal(res.code, 0, res.stderr);
      for (const line of ['client started', 'session started', 'batch delivered', 'session finished']) {
        assert.ok(res.stderr.includes(line), `${JSON.stringify(flag)}: no "${line}" in stderr:\n${res.stderr}`);
      }
      assert.ok(res.stderr.includes(`collector=${collector.url}`), res.stderr);
      assert.ok(!res.stderr.includes(collector.apiKey) && !res.stdout.includes(collector.apiKey), 'key printed');
    }
    // And without the flag, nothing at all.
    const quiet = await runExample('quickstart.mjs', ['[scenario:hello] hi'], { USER_ID: 'debug-user' });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
  });

  it('threading.mjs: two runs of one conversation, the second resuming the first, share the convoId', async () => {
    const convoId = 'convo-' + Date.now();
    const res = await runExample('threading.mjs', [convoId], {
      FIRST_PROMPT: '[scenario:turns] This is turn 1.',
      SECOND_PROMPT: 'This is turn 2.',
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /turn 1: reply to turn 1/);
    // The model saw the first turn again: the resume carried the history.
    assert.match(res.stdout, /turn 2: reply to turn 2/);
    const printed = JSON.parse(res.stdout.trim().split('\n').at(-1));
    const thread = await sessions({ convo_id: convoId });
    assert.equal(thread.length, 2, JSON.stringify(thread));
    assert.ok(thread.every((s) => s.status === 'completed' && s.agent === 'threading' && s.user_id === 'user-42'));
    assert.deepEqual(thread.map((s) => s.input).sort(), ['This is turn 2.', '[scenario:turns] This is turn 1.'].sort());
    assert.deepEqual(new Set(thread.map((s) => s.claude_session_id)), new Set(printed.claudeSessionIds));
  });

  describe('in-process handlers (imported and invoked as their platform does)', () => {
    let savedEnv;
    let savedCwd;
    before(() => {
      savedEnv = { ...process.env };
      savedCwd = process.cwd();
      Object.assign(process.env, exampleEnv());
      process.chdir(work);
    });
    after(() => {
      process.chdir(savedCwd);
      for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
      Object.assign(process.env, savedEnv);
    });

    it('lambda.mjs: the session is stored by the time handler() returns, cold and warm', async () => {
      const { handler } = await import(path.join(examples, 'lambda.mjs'));
      for (const [i, userId] of ['lambda-user-1', 'lambda-user-2'].entries()) {
        const res = await handler({ prompt: `[scenario:hello] request ${i}`, userId, requestId: `req-${i}` });
        // Right after return, as if Lambda froze the process now: no waiting, no polling.
        const found = await sessions({ agent: 'lambda-agent', user_id: userId });
        assert.equal(res.statusCode, 200, res.body);
        assert.match(JSON.parse(res.body).answer, /Done: hello/);
        assert.equal(found.length, 1, JSON.stringify(found));
        assert.equal(found[0].status, 'completed');
        assert.equal(found[0].metadata.requestId, `req-${i}`);
        assert.match(found[0].output, /Done: hello/);
      }
    });

    it('wait-until.mjs: responds, hands the flush to ctx.waitUntil, and the session is stored once it settles', async () => {
      const { default: route } = await import(path.join(examples, 'wait-until.mjs'));
      const ctx = {
        pending: [],
        waitUntil(promise) {
          this.pending.push(promise);
        },
      };
      const request = new Request('http://localhost/api/agent', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: '[scenario:hello] from the edge', userId: 'route-user' }),
      });
      const response = await route.fetch(request, ctx);
      assert.equal(response.status, 200);
      assert.match((await response.json()).answer, /Done: hello/);
      assert.equal(ctx.pending.length, 1, 'one waitUntil promise');
      const [flushed] = await Promise.all(ctx.pending);
      assert.equal(flushed.timedOut, false);
      assert.equal(flushed.pending, 0);
      const found = await sessions({ agent: 'route-agent', user_id: 'route-user' });
      assert.equal(found.length, 1);
      assert.equal(found[0].status, 'completed');
    });
  });

  it('server.mjs: five users at once, five sessions, each with its own user and prompt', async () => {
    const child = spawn(process.execPath, [path.join(examples, 'server.mjs')], {
      cwd: work,
      env: exampleEnv({ PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start: ' + stderr)), 20_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /listening on (http:\/\/\S+)/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        exited.then(() => reject(new Error('server exited: ' + stderr)));
      });
      const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
      const started = Date.now();
      const replies = await Promise.all(
        users.map(async (user) => {
          const res = await fetch(url + '/ask', {
            method: 'POST',
            headers: { 'x-user-id': user },
            body: JSON.stringify({ prompt: `[scenario:hello] question from ${user}` }),
          });
          return { user, status: res.status, body: await res.json() };
        }),
      );
      for (const r of replies) {
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.match(r.body.answer, /Done: hello/);
      }
      // Stop it: SIGTERM flushes (shutdown) before the process exits.
      child.kill('SIGTERM');
      const { code } = await exited;
      assert.equal(code, 0, stderr);
      const found = await sessions({ agent: 'support-agent' });
      assert.equal(found.length, 5, JSON.stringify(found));
      for (const user of users) {
        const mine = found.filter((s) => s.user_id === user);
        assert.equal(mine.length, 1, user);
        assert.equal(mine[0].status, 'completed');
        assert.equal(mine[0].input, `[scenario:hello] question from ${user}`);
      }
      // They ran concurrently: the runs' wall-clock intervals overlap.
      const spans = found.map((s) => [Date.parse(s.started_at), Date.parse(s.ended_at)]);
      const overlap = Math.min(...spans.map((s) => s[1])) > Math.max(...spans.map((s) => s[0]));
      assert.ok(overlap, `runs did not overlap (${Date.now() - started} ms): ${JSON.stringify(spans)}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
