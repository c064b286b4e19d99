// Every recorded SDK stream (__test__/fixtures/*.jsonl and v0.2/*.jsonl) through the real wrapper:
// wrapClaudeAgent (wrapClaudeAgentSDK for a startup or prewarm run) around the fake query playing
// the fixture (its messages, its hook calls with the user's recorded answers, its canUseTool calls,
// the caller's interrupt or abort, the error it ended with), and the native session wrapped so
// that each call it is given is recorded, then forwarded. What was handed over must follow the
// feeding rules the Rust fixture tests replay by (crates/sentrial-core/tests/replay/mod.rs):
//   - messages of the kinds lib/observed.json lists go whole (by type; `system` by subtype,
//     `stream_event` by event type);
//   - a `user` message: each `tool_result` block not already reported by a PostToolUse or
//     PostToolUseFailure hook, and each `text` block, alone in
//     `{ type: 'user', parent_tool_use_id, message: { content: [block] } }`, with the block's
//     `tool_result_meta` entry when it is an error;
//   - hook inputs of PreToolUse, PostToolUse and PostToolUseFailure (the events the wrapper
//     registers for), whole;
//   - a refusal by the user's canUseTool or PreToolUse hook, as a decision;
//   - each turn of a streamed prompt as the SDK reads it, interrupt(), and how the run ended;
//   - nothing else. Large strings may be handed apart (messageParts, hookParts): put back in
//     place, the JSON is the same.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, startCollector } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent, wrapClaudeAgentSDK } = require('../index.js');
const { partMarker } = require('../lib/native.js');
const OBSERVED = require('../lib/observed.json');
const { FakeQuery, fakeQuery, readFixture } = require('./support/fake-query.cjs');

const NATIVE = Symbol.for('sentrial.native');
const HOOKS = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure']);
// The least length of a string handed apart (lib/observe.js).
const PART_MIN_LENGTH = 4096;

const dir = path.join(repoRoot, '__test__', 'fixtures');
const FIXTURES = [dir, path.join(dir, 'v0.2')].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(d, f)),
);

/** A fixture: its lines (no `run` and `end`), its run line (null for the 15 first ones), how it ended. */
function load(file) {
  const all = readFixture(file);
  return {
    name: path.relative(dir, file),
    run: all.find((l) => l.kind === 'run') ?? null,
    lines: all.filter((l) => l.kind !== 'run' && l.kind !== 'end'),
    threw: all.at(-1).kind === 'end' ? all.at(-1).threw : assert.fail(`${file}: no end line`),
  };
}

const noted = (line, what) => line.kind === 'note' && line.data.note === `recorder called ${what}`;

// --- what a caller does: the fixture's run, through the wrapper ---------------------------------

/** Runs `f` through the wrapper with `client`; resolves to what the iteration threw (or null). */
async function play(f, client) {
  const run = f.run ?? { entry: 'query', prompt: '[scenario:x] go', options: {} };
  const o = run.options ?? {};
  const streamed = Array.isArray(run.prompt);
  const abortController = new AbortController();
  let tracked = null;
  // The user's answers, in the order the SDK asks: a hook's (`answer`, else {}) and canUseTool's.
  const answers = {};
  const decisions = [];
  const steps = streamed ? [{ promptTurn: true }] : [];
  for (const line of f.lines) {
    if (line.kind === 'message') {
      steps.push({ message: line.data });
      if (streamed && line.data.type === 'result') steps.push({ promptTurn: true });
    } else if (line.kind === 'hook') {
      answers[line.event] ??= [];
      answers[line.event].push(line.answer ?? {});
      steps.push({ hook: line.event, input: line.data, toolUseID: line.tool_use_id });
    } else if (line.kind === 'can_use_tool') {
      decisions.push(line.decision);
      steps.push({ canUseTool: { toolName: line.tool_name, input: line.input, options: line.options } });
    } else if (noted(line, 'q.interrupt()')) {
      steps.push({ run: () => tracked.interrupt() });
    } else if (noted(line, 'abortController.abort()')) {
      steps.push({ run: () => abortController.abort() });
    }
  }
  if (f.threw !== null) steps.push({ throw: new Error(f.threw) });

  const hooks = {};
  for (const event of Object.keys(answers)) hooks[event] = [{ hooks: [async () => answers[event].shift()] }];
  const options = { hooks, abortController, resume: o.resume, forkSession: o.forkSession, continue: o.continue };
  if (decisions.length > 0) options.canUseTool = async () => decisions.shift();
  const fake = { readPrompt: 'steps' };
  const query = fakeQuery(steps, fake);
  const prompt = streamed ? turns(run.prompt) : run.prompt;
  if (run.entry === 'query') {
    tracked = wrapClaudeAgent(query, { client })({ prompt, options });
  } else if (run.entry === 'startup') {
    const startup = async (params) => ({
      query: (p) => new FakeQuery({ prompt: p, options: params.options }, steps, fake),
    });
    const warm = await wrapClaudeAgentSDK({ query, startup }, { client }).startup({ options });
    tracked = warm.query(prompt);
  } else if (run.entry === 'prewarm') {
    const prewarm = async (params) => ({
      claim: (claim) => new FakeQuery({ ...claim, options: { ...params.options, ...claim.options } }, steps, fake),
    });
    const spare = await wrapClaudeAgentSDK({ query, prewarm }, { client }).prewarm({ options });
    tracked = spare.claim({ prompt, options: {} });
  } else {
    assert.fail(`${f.name}: an entry point this test does not know: ${run.entry}`);
  }
  try {
    for await (const _ of tracked) {
      // drained
    }
    return null;
  } catch (err) {
    return err;
  }
}

async function* turns(texts) {
  for (const text of texts)
    yield { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' };
}

// --- what the native side was given -------------------------------------------------------------

/** Wraps the client's native side: each session's calls are recorded in order, then forwarded. */
function recordHandOver(client) {
  const native = client[NATIVE];
  const sessions = [];
  const startSession = (options) => {
    const session = native.startSession(options);
    const calls = [['startSession', options]];
    sessions.push(calls);
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(session)).filter(
      (m) => m !== 'constructor' && typeof session[m] === 'function',
    );
    return Object.fromEntries(
      methods.map((m) => [
        m,
        (...args) => {
          calls.push([m, ...args]);
          return session[m](...args);
        },
      ]),
    );
  };
  client[NATIVE] = new Proxy(native, {
    get: (t, p) => (p === 'startSession' ? startSession : typeof t[p] === 'function' ? t[p].bind(t) : t[p]),
  });
  return sessions;
}

/** JSON handed over apart, with its parts put back in place of their markers. */
function joined(json, parts) {
  for (const part of parts) assert.ok(part.length >= PART_MIN_LENGTH, `a part of ${part.length} characters`);
  const re = new RegExp(`^${partMarker}(\\d+)$`);
  return JSON.parse(json, (_k, v) => {
    const m = typeof v === 'string' ? re.exec(v) : null;
    return m ? parts[Number(m[1])] : v;
  });
}

/** The calls after startSession, as [kind, value]; a call this test does not know fails it. */
function handedOver(calls) {
  return calls.slice(1).map(([method, ...args]) => {
    switch (method) {
      case 'message':
      case 'hook':
      case 'decision':
        return [method, JSON.parse(args[0])];
      case 'messageParts':
        return ['message', joined(args[0], args[1])];
      case 'hookParts':
        return ['hook', joined(args[0], args[1])];
      case 'userTurn':
        return ['userTurn', args[0]];
      case 'interrupting':
        return ['interrupting'];
      case 'finish':
        return ['finish', ...args];
      default:
        return assert.fail(`a call of the native session this test does not know: ${method}`);
    }
  });
}

// --- what the rules say it should have been given ------------------------------------------------

const WHOLE = new Set(OBSERVED.whole);
const SYSTEM = new Set(OBSERVED.system);
const STREAM_EVENTS = new Set(OBSERVED.stream_event);

function takenWhole(m) {
  if (m.type === 'system') return SYSTEM.has(m.subtype);
  if (m.type === 'stream_event') return STREAM_EVENTS.has(m.event && m.event.type);
  return WHOLE.has(m.type);
}

/** What a user PreToolUse hook's recorded answer refuses with: its reason, or null. */
function hookRefusal(answer) {
  if (!answer) return null;
  const specific = answer.hookSpecificOutput;
  if (specific && specific.permissionDecision === 'deny') return { reason: specific.permissionDecisionReason };
  if (answer.decision === 'block') return { reason: answer.reason };
  return null;
}

/** The calls the rules above make of fixture `f`, as handedOver() writes them. */
function expected(f) {
  const out = [];
  const hooked = new Set();
  const prompt = f.run && Array.isArray(f.run.prompt) ? [...f.run.prompt] : [];
  if (prompt.length > 0) out.push(['userTurn', prompt.shift()]);
  for (const line of f.lines) {
    if (line.kind === 'message') {
      const m = line.data;
      if (m.type === 'user') out.push(...userBlocks(m, hooked));
      else if (takenWhole(m)) out.push(['message', m]);
      if (m.type === 'result' && prompt.length > 0) out.push(['userTurn', prompt.shift()]);
    } else if (line.kind === 'hook' && HOOKS.has(line.event)) {
      const refusal = line.event === 'PreToolUse' ? hookRefusal(line.answer) : null;
      if (refusal) {
        out.push([
          'decision',
          { tool_use_id: line.data.tool_use_id, source: 'hook', behavior: 'deny', message: refusal.reason },
        ]);
      }
      if (line.event !== 'PreToolUse' && typeof line.data.tool_use_id === 'string') hooked.add(line.data.tool_use_id);
      out.push(['hook', line.data]);
    } else if (line.kind === 'can_use_tool' && line.decision.behavior === 'deny') {
      const d = {
        tool_use_id: line.options.toolUseID,
        source: 'can_use_tool',
        behavior: 'deny',
        message: line.decision.message,
      };
      out.push(['decision', d]);
    } else if (noted(line, 'q.interrupt()')) {
      out.push(['interrupting']);
    }
  }
  const interrupted = f.lines.some((l) => noted(l, 'q.interrupt()'));
  const aborted = f.lines.some((l) => noted(l, 'abortController.abort()'));
  if (interrupted) out.push(['finish', 'interrupted']);
  else if (f.threw === null) out.push(['finish', 'done']);
  else out.push(['finish', aborted ? 'aborted' : 'threw', f.threw]);
  // As JSON carries them (a value that is undefined is left out).
  return JSON.parse(JSON.stringify(out));
}

function userBlocks(m, hooked) {
  const content = m.message && m.message.content;
  if (!Array.isArray(content)) return [];
  const out = [];
  for (const block of content) {
    if (!block || (block.type !== 'text' && block.type !== 'tool_result')) continue;
    const one = { type: 'user', parent_tool_use_id: m.parent_tool_use_id ?? null, message: { content: [block] } };
    if (block.type === 'tool_result') {
      if (hooked.delete(block.tool_use_id)) continue;
      const meta = Array.isArray(m.tool_result_meta)
        ? m.tool_result_meta.find((e) => e && e.id === block.tool_use_id)
        : undefined;
      if (block.is_error === true && meta !== undefined) one.tool_result_meta = [meta];
    }
    out.push(['message', one]);
  }
  return out;
}

// --- the tests ----------------------------------------------------------------------------------

describe('every recorded fixture through observe()', () => {
  let collector;
  let client;
  let sessions;
  before(async () => {
    collector = await startCollector();
    client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, exitTimeoutMs: 0 });
    assert.equal(client.enabled, true, 'tracking must be on (is the addon built?)');
    sessions = recordHandOver(client);
  });
  after(async () => {
    await client?.shutdown({ timeoutMs: 2000 });
    await collector?.stop();
  });

  it('finds the fixtures of both SDK lines', () => {
    assert.ok(FIXTURES.length >= 50, `${FIXTURES.length} fixtures`);
    assert.ok(FIXTURES.some((f) => f.includes(`${path.sep}v0.2${path.sep}`)));
  });

  for (const file of FIXTURES) {
    const f = load(file);
    it(`${f.name}: hands over what the rules say, and nothing else`, async () => {
      const before = sessions.length;
      const thrown = await play(f, client);
      assert.equal(thrown === null ? null : thrown.message, f.threw, 'the caller gets what the SDK threw');
      assert.equal(sessions.length, before + 1, 'one session');
      const calls = sessions.at(-1);
      const [, start] = calls[0];
      const run = f.run ?? { entry: 'query', prompt: '[scenario:x] go', options: {} };
      assert.equal(start.entryPoint, run.entry);
      assert.equal(start.input, typeof run.prompt === 'string' ? run.prompt : undefined);
      assert.equal(start.resume, run.options?.resume);
      assert.equal(start.forkSession, run.options?.forkSession === true);
      assert.equal(start.continueLatest, run.options?.continue === true);
      assert.deepStrictEqual(handedOver(calls), expected(f));
    });
  }

  it('the core read every hand-over, and tracking swallowed no error', async () => {
    const report = await client.flush({ timeoutMs: 10_000 });
    assert.equal(report.pending, 0);
    const stats = client.stats();
    assert.equal(stats.badInputs, 0, 'inputs the core could not read');
    assert.equal(stats.faults, 0, 'errors inside tracking');
    assert.equal(sessions.length, FIXTURES.length);
  });
});
