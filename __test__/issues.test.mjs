// Detected issues from real runs: the real SDK (newest 0.3.x) and its CLI, wrapped by
// wrapClaudeAgent, delivering to the real collector (`sentrial serve`), the scripted model playing
// each kind of trouble. Each run's session must carry the finding its trouble makes, with evidence
// that points at the run's own steps; a clean run carries none; the list's `issue=` filter and
// `GET /api/issues` count the same sessions. (The rules themselves are unit-tested in
// crates/sentrial-collector/src/detect/; this checks that real runs give them what they need.)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { drain, eventually, sdkOptions, startCollector, startScriptedModel } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');

let model;
/** The collector of the first describe, its client and wrapped query. */
let main;
/** kind -> the session ids of `main` whose trouble should have made it */
const expected = new Map();

/** A collector with a client and `query` wrapped for agent `agent`, and a `run` over them. */
async function tracker(agent) {
  const collector = await startCollector();
  const client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, flushIntervalMs: 100 });
  const tracked = wrapClaudeAgent(query, { client, defaultAgent: agent, userId: 'user-issues' });
  /**
   * Runs `[scenario:NAME]` through the wrapper (stopping early when `stopWhen(message)` says so),
   * then reads the session back once its findings are stored. Returns { messages, session }.
   */
  const run = async (name, { tools = ['Bash'], stopWhen, env, ...options } = {}) => {
    const opts = sdkOptions(model.url, { tools, ...options });
    if (env) opts.env = { ...opts.env, ...env };
    const messages = [];
    if (stopWhen) {
      for await (const m of tracked({ prompt: `[scenario:${name}] go`, options: opts })) {
        messages.push(m);
        if (stopWhen(m)) break;
      }
    } else {
      messages.push(...(await drain(tracked({ prompt: `[scenario:${name}] go`, options: opts }))).messages);
    }
    assert.equal((await client.flush({ timeoutMs: 5000 })).timedOut, false);
    const init = messages.find((m) => m.type === 'system' && m.subtype === 'init');
    const session = await eventually(async () => {
      const list = await collector.get(`/api/sessions?claude_session_id=${init.session_id}`);
      const [hit] = list.sessions;
      if (!hit || hit.status === 'running') return null;
      return collector.get(`/api/sessions/${hit.id}`);
    });
    return { messages, session };
  };
  const stop = async () => {
    await client.shutdown({ timeoutMs: 2000 });
    await collector.stop();
  };
  return { collector, run, stop };
}

before(async () => {
  model = await startScriptedModel();
  main = await tracker('issues-agent');
});

after(async () => {
  await main?.stop();
  await model?.close();
});

const run = (...args) => main.run(...args);

/** The session's findings of `kind`, asserting there are `count` of them. */
function findings(session, kind, count, history = false) {
  const found = session.issues.filter((i) => i.kind === kind);
  assert.equal(found.length, count, `${count} ${kind} finding(s) expected: ${JSON.stringify(session.issues)}`);
  for (const f of found) {
    assert.ok(['info', 'warning', 'error'].includes(f.severity), f.severity);
    assert.ok(f.summary.length > 0 && !f.summary.includes('\n'), f.summary);
  }
  if (!history) expected.set(kind, [...(expected.get(kind) ?? []), session.id]);
  return found;
}

/** The session's one finding of `kind`. */
const finding = (session, kind) => findings(session, kind, 1)[0];

/** The tool_use_ids a finding's evidence points at. */
const evidenceCalls = (f) => f.evidence.filter((e) => e.type === 'tool_call').map((e) => e.tool_use_id);

describe('detected issues on real SDK runs', () => {
  it('a clean run has no findings', async () => {
    const { session } = await run('tool-success');
    assert.equal(session.status, 'completed');
    assert.deepEqual(session.issues, []);
  });

  it('loop: the same Bash call four times in a row, every one of them in the evidence', async () => {
    const { session } = await run('loop', { maxTurns: 10 });
    const f = finding(session, 'loop');
    const same = session.tool_calls.filter((c) => c.input.command === 'echo same').map((c) => c.tool_use_id);
    assert.equal(same.length, 4);
    assert.deepEqual(evidenceCalls(f).sort(), same.sort());
    assert.match(f.summary, /Bash/);
  });

  it('error_streak and tool_errors: four failing commands in a row', async () => {
    const { session } = await run('error-streak', { maxTurns: 10 });
    const failed = session.tool_calls.filter((c) => c.status === 'error').map((c) => c.tool_use_id);
    assert.equal(failed.length, 4, JSON.stringify(session.tool_calls.map((c) => c.status)));
    assert.deepEqual(evidenceCalls(finding(session, 'error_streak')).sort(), [...failed].sort());
    assert.deepEqual(evidenceCalls(finding(session, 'tool_errors')).sort(), [...failed].sort());
    assert.equal(
      session.issues.some((i) => i.kind === 'loop'),
      false,
    );
  });

  it('limits: max turns, and the budget', async () => {
    const turns = await run('max-turns', { maxTurns: 2 });
    assert.equal(turns.session.end_reason, 'error_max_turns');
    assert.equal(finding(turns.session, 'limits').severity, 'error');
    const budget = await run('budget', { maxBudgetUsd: 0.001 });
    assert.equal(budget.session.end_reason, 'error_max_budget_usd');
    assert.equal(finding(budget.session, 'limits').summary, 'The run hit its budget (maxBudgetUsd) after 1 turn');
    // The budget stopped the run before the Bash call it had asked for ran.
    assert.equal(budget.session.tool_calls[0].status, 'not_completed');
    assert.equal(finding(budget.session, 'unfinished').severity, 'warning');
  });

  it('denied: a tool the permission system refused', async () => {
    const { session } = await run('permission-denied');
    const f = finding(session, 'denied');
    const denied = session.tool_calls.filter((c) => c.status === 'denied').map((c) => c.tool_use_id);
    assert.equal(denied.length, 1);
    assert.deepEqual(evidenceCalls(f), denied);
    assert.match(f.summary, /Write/);
  });

  it('api_trouble: an overloaded answer retried; an API error that ended the run is an error', async () => {
    const retried = await run('overloaded-once', { tools: [] });
    assert.equal(retried.session.status, 'completed');
    assert.equal(finding(retried.session, 'api_trouble').severity, 'warning');
    const failed = await run('server-error', { tools: [], env: { CLAUDE_CODE_MAX_RETRIES: '2' } });
    assert.equal(failed.session.end_reason, 'api_error');
    assert.equal(finding(failed.session, 'api_trouble').severity, 'error');
  });

  it('context: an automatic compaction', async () => {
    const { messages, session } = await run('huge-context', { env: { CLAUDE_CODE_AUTO_COMPACT_WINDOW: '200000' } });
    assert.ok(
      messages.some((m) => m.type === 'system' && m.subtype === 'compact_boundary'),
      'the CLI compacted',
    );
    const f = finding(session, 'context');
    assert.equal(f.severity, 'info');
    assert.ok(f.evidence.some((e) => e.type === 'marker'));
  });

  it('unfinished: a run stopped while its tool was still running (the call, and no result)', async () => {
    const { session } = await run('slow', {
      stopWhen: (m) => m.type === 'assistant' && m.message.content.some((b) => b.type === 'tool_use'),
    });
    assert.notEqual(session.status, 'completed');
    const [call, noResult] = findings(session, 'unfinished', 2)
      .sort((a, b) => a.evidence.length - b.evidence.length)
      .reverse();
    assert.equal(call.severity, 'warning');
    assert.deepEqual(evidenceCalls(call), [session.tool_calls[0].tool_use_id]);
    assert.equal(session.tool_calls[0].status, 'not_completed');
    assert.equal(noResult.severity, 'error');
    assert.match(noResult.summary, /without a result/);
  });

  it('the list filter and GET /api/issues count the same sessions', async () => {
    const { collector } = main;
    const { issues } = await collector.get('/api/issues');
    for (const [kind, ids] of expected) {
      const listed = await collector.get(`/api/sessions?issue=${kind}&limit=100`);
      const extra = listed.sessions.filter((s) => !ids.includes(s.id));
      const why = await Promise.all(extra.map((s) => collector.get(`/api/sessions/${s.id}`)));
      assert.deepEqual(
        listed.sessions.map((s) => s.id).sort(),
        [...ids].sort(),
        `${kind}: ${JSON.stringify(why.map((s) => [s.input, s.end_reason, s.issues]))}`,
      );
      const row = issues.find((k) => k.kind === kind);
      assert.equal(row?.sessions, ids.length, `${kind}: ${JSON.stringify(row)}`);
    }
  });
});

// The rules that compare a session with the project's history, each on a collector of its own: a
// baseline short of the values its rule needs is stored and looked at again a minute later
// (`store/baselines.rs`), so the other tests' few Bash calls would hold it back for that minute.
describe('detected issues that need history, on real SDK runs', () => {
  it('slow_tool: a Bash call far slower than twenty earlier ones', async () => {
    const history = await tracker('slow-agent');
    try {
      const quick = await history.run('many-calls', { maxTurns: 5 });
      assert.equal(quick.session.tool_calls.length, 20);
      assert.equal(quick.session.issues.filter((i) => i.kind === 'slow_tool').length, 0);
      const { session } = await history.run('slow-once', { maxTurns: 5 });
      const [f] = findings(session, 'slow_tool', 1, true);
      assert.deepEqual(evidenceCalls(f), [session.tool_calls[0].tool_use_id]);
      assert.match(f.summary, /Bash/);
    } finally {
      await history.stop();
    }
  });

  it("cost_outlier: a run costing far more than the agent's earlier one (a project threshold)", async () => {
    const history = await tracker('cost-agent');
    try {
      // One earlier session instead of the default 20 (PUT /api/issue-settings, admin).
      const { collector } = history;
      const put = await fetch(`${collector.url}/api/issue-settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${collector.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ cost_outlier_min_sessions: 1 }),
      });
      assert.equal(put.status, 200, await put.text());
      const cheap = await history.run('hello', { tools: [] });
      assert.equal(cheap.session.issues.filter((x) => x.kind === 'cost_outlier').length, 0);
      const { session } = await history.run('pricey', { tools: [] });
      assert.ok(session.cost_usd > 3 * cheap.session.cost_usd, `${session.cost_usd} vs ${cheap.session.cost_usd}`);
      const [f] = findings(session, 'cost_outlier', 1, true);
      assert.match(f.summary, /cost-agent/);
    } finally {
      await history.stop();
    }
  });
});
