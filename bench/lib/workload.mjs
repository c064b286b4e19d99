// The workload: message streams built from real SDK recordings (__test__/fixtures/*.jsonl, SDK
// 0.3.330 / CLI 2.1.330), and a fake `query()` that replays them the way the real one behaves (the
// tests' fake, __test__/support/fake-query.cjs): it returns a class instance that is an
// AsyncGenerator with its control methods on the prototype (some use a private field, so a wrapper
// calling them with the wrong `this` fails), and it calls `options.hooks` matchers for each tool
// call before yielding the tool's result, as the CLI does (PreToolUse after the tool_use message,
// PostToolUse before the user tool_result).

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { FakeQuery, readFixture } = require('../../__test__/support/fake-query.cjs');

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '__test__', 'fixtures');
const load = (name) => readFixture(path.join(fixtures, name));

const parallel = load('parallel-tools.jsonl');
const partial = load('hello-partial.jsonl');
const clone = (v) => JSON.parse(JSON.stringify(v));
const msgOf = (lines, pred) => clone(lines.find((l) => l.kind === 'message' && pred(l.data)).data);
const hooksOf = (lines, event) => lines.filter((l) => l.kind === 'hook' && l.event === event).map((l) => clone(l.data));

// --- templates, from the recordings -------------------------------------------------------------

export const T = {
  init: msgOf(parallel, (d) => d.type === 'system' && d.subtype === 'init'),
  status: msgOf(partial, (d) => d.type === 'system' && d.subtype === 'status'),
  messageStart: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'message_start'),
  blockStart: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'content_block_start'),
  textDelta: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'content_block_delta'),
  blockStop: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'content_block_stop'),
  messageDelta: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'message_delta'),
  messageStop: msgOf(partial, (d) => d.type === 'stream_event' && d.event.type === 'message_stop'),
  text: msgOf(parallel, (d) => d.type === 'assistant' && d.message.content[0].type === 'text'),
  finalText: parallel
    .filter((l) => l.kind === 'message' && l.data.type === 'assistant')
    .map((l) => clone(l.data))
    .at(-1),
  toolUse: parallel
    .filter((l) => l.kind === 'message' && l.data.type === 'assistant' && l.data.message.content[0].type === 'tool_use')
    .map((l) => clone(l.data)),
  pre: hooksOf(parallel, 'PreToolUse'),
  post: hooksOf(parallel, 'PostToolUse'),
  toolResult: parallel.filter((l) => l.kind === 'message' && l.data.type === 'user').map((l) => clone(l.data)),
  result: msgOf(parallel, (d) => d.type === 'result'),
};

const byId = (list, id) => list.find((x) => (x.tool_use_id ?? x.message?.content?.[0]?.tool_use_id) === id);

function toolBlockStart(toolUse) {
  const m = clone(T.blockStart);
  const b = toolUse.message.content[0];
  m.event = {
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
  };
  return m;
}
function jsonDelta(part) {
  const m = clone(T.textDelta);
  m.event = { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: part } };
  return m;
}

/** About `bytes` of a source file, as a Read of it returns (raw, and numbered as in tool_result). */
export function bigFile(bytes = 200 * 1024) {
  const lines = [];
  let size = 0;
  for (let i = 1; size < bytes; i++) {
    const line = `  const value${i} = compute(input[${i}], { retries: 3, label: "row-${i}" }); // keeps row ${i} in range`;
    lines.push(line);
    size += line.length + 1;
  }
  const content = lines.join('\n') + '\n';
  const numbered = lines.map((l, i) => `${i + 1}\t${l}`).join('\n') + '\n';
  return { content, numbered, numLines: lines.length };
}

// --- the short session: init, two model turns, three parallel tools (one a 200 KB Read), result --

/**
 * Steps of one short session: `{ message }` or `{ hook, input }`. Objects are shared between
 * sessions (nothing here mutates them); tool ids are unique within the session.
 */
export function shortSession({ bigBytes = 200 * 1024 } = {}) {
  const big = bigFile(bigBytes);
  const steps = [];
  const msg = (m) => steps.push({ message: m });
  msg(T.init);
  // Turn 1: text, then three tool_use blocks (Bash, Read, Glob) streamed as partial messages.
  msg(T.status);
  msg(T.messageStart);
  msg(T.blockStart);
  for (let i = 0; i < 3; i++) msg(T.textDelta);
  msg(T.text);
  msg(T.blockStop);
  for (const tu of T.toolUse) {
    msg(toolBlockStart(tu));
    msg(jsonDelta('{"'));
    msg(jsonDelta(JSON.stringify(tu.message.content[0].input).slice(2)));
    msg(T.blockStop);
    msg(tu);
    steps.push({ hook: 'PreToolUse', input: byId(T.pre, tu.message.content[0].id) });
  }
  msg(T.messageDelta);
  msg(T.messageStop);
  // Completions, each PostToolUse before its user tool_result (as recorded: Glob, Read, Bash).
  for (const post of T.post) {
    const id = post.tool_use_id;
    let hookInput = post;
    let user = byId(T.toolResult, id);
    if (post.tool_name === 'Read') {
      hookInput = clone(post);
      hookInput.tool_input = { file_path: '/work/repo/src/big-module.ts' };
      hookInput.tool_response = {
        type: 'text',
        file: {
          filePath: '/work/repo/src/big-module.ts',
          content: big.content,
          numLines: big.numLines,
          startLine: 1,
          totalLines: big.numLines,
        },
      };
      user = clone(user);
      user.message.content[0].content = big.numbered;
      user.tool_use_result = hookInput.tool_response;
    }
    steps.push({ hook: 'PostToolUse', input: hookInput });
    msg(user);
  }
  // Turn 2: the final text, streamed.
  msg(T.status);
  msg(T.messageStart);
  msg(T.blockStart);
  for (let i = 0; i < 4; i++) msg(T.textDelta);
  msg(T.finalText);
  msg(T.blockStop);
  msg(T.messageDelta);
  msg(T.messageStop);
  msg(T.result);
  return steps;
}

// --- the long session: N messages of repeated tool turns, built lazily with fresh objects ------

const BASH = T.toolUse.find((m) => m.message.content[0].name === 'Bash');
const BASH_PRE = byId(T.pre, BASH.message.content[0].id);
const BASH_POST = byId(T.post, BASH.message.content[0].id);
const BASH_USER = byId(T.toolResult, BASH.message.content[0].id);
export const LONG_TURN_MESSAGES = 15;

/** One tool turn with fresh objects and its own tool id: 15 messages, 2 hooks. */
function* longTurn(turn) {
  const id = `toolu_bench_${turn.toString(36).padStart(8, '0')}`;
  const uuid = () => `00000000-0000-4000-8000-${(turn * 100 + (seq++ % 100)).toString(16).padStart(12, '0')}`;
  let seq = 0;
  const fresh = (m) => ({ ...m, uuid: uuid() });
  const command = `grep -rn "TODO" src/module-${turn}.ts | head -20`;
  const toolUse = {
    ...BASH,
    uuid: uuid(),
    message: {
      ...BASH.message,
      id: `msg_bench_${turn}`,
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command } }],
    },
  };
  yield { message: fresh(T.status) };
  yield { message: fresh(T.messageStart) };
  yield { message: fresh(T.blockStart) };
  yield { message: fresh(T.textDelta) };
  yield { message: fresh(T.textDelta) };
  yield {
    message: {
      ...T.text,
      uuid: uuid(),
      message: { ...T.text.message, content: [{ type: 'text', text: `Checking module ${turn}.` }] },
    },
  };
  yield { message: fresh(T.blockStop) };
  yield { message: { ...toolBlockStart(toolUse), uuid: uuid() } };
  yield { message: { ...jsonDelta('{"command": "'), uuid: uuid() } };
  yield { message: { ...jsonDelta(command + '"}'), uuid: uuid() } };
  yield { message: toolUse };
  yield { hook: 'PreToolUse', input: { ...BASH_PRE, tool_use_id: id, tool_input: { command } } };
  yield { message: fresh(T.messageDelta) };
  yield { message: fresh(T.messageStop) };
  const stdout = `src/module-${turn}.ts:${turn % 97}:  // TODO: handle the empty case (${turn})\n`;
  const response = { stdout, stderr: '', interrupted: false, isImage: false, noOutputExpected: false };
  yield {
    hook: 'PostToolUse',
    input: { ...BASH_POST, tool_use_id: id, tool_input: { command }, tool_response: response },
  };
  yield {
    message: {
      ...BASH_USER,
      uuid: uuid(),
      message: { role: 'user', content: [{ tool_use_id: id, type: 'tool_result', content: stdout, is_error: false }] },
      tool_use_result: response,
      tool_result_meta: [{ ...BASH_USER.tool_result_meta[0], id }],
    },
  };
}

/** A lazily built session of about `messages` messages (init, 15-message tool turns, result). */
export function* longSession(messages = 10_000) {
  yield { message: T.init };
  const turns = Math.max(1, Math.round((messages - 2) / LONG_TURN_MESSAGES));
  for (let t = 0; t < turns; t++) yield* longTurn(t);
  yield { message: { ...T.result, num_turns: turns + 1 } };
}

export function countMessages(steps) {
  let n = 0;
  for (const s of steps) if (s.message) n++;
  return n;
}

// Which steps a call replays: the prompt names a registered workload (`[bench:NAME] ...`), so the
// peers' wrappers, which copy params and options, pass it through untouched.
const workloads = new Map();
let nextId = 0;

/**
 * Registers `make() -> iterable of steps` (and an optional pacer, awaited before each message);
 * returns the prompt to pass.
 */
export function promptFor(make, pace) {
  const name = `w${nextId++}`;
  workloads.set(name, { make, pace: pace && ((step) => (step.message === undefined ? undefined : pace())) });
  return `[bench:${name}] Fix the failing test in src/big-module.ts`;
}
export function forget(prompt) {
  workloads.delete(/\[bench:(\w+)\]/.exec(prompt)?.[1]);
}

/** The fake `query` function every contender wraps; its parameter has the real query's shape. */
export function query({ prompt, options }) {
  const name = /\[bench:(\w+)\]/.exec(prompt)?.[1];
  const w = workloads.get(name);
  if (!w) throw new Error('bench: unknown workload in prompt ' + JSON.stringify(prompt));
  // Nothing is recorded: the tests' fake keeps what it yielded, a benchmark does not.
  return new FakeQuery({ prompt, options }, w.make(), { pace: w.pace, record: false });
}

/** The fake SDK module: what the peers' `wrapClaudeAgentSDK(sdk)` take. */
export const fakeSdk = { query, SYSTEM_PROMPT_DYNAMIC_BOUNDARY: '__SYSTEM_PROMPT_DYNAMIC_BOUNDARY__' };
