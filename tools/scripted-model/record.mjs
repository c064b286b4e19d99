#!/usr/bin/env node
// Record real Claude Agent SDK message streams (real CLI, scripted model) as JSONL fixtures.
//
//   node tools/scripted-model/record.mjs                 # all scenarios
//   node tools/scripted-model/record.mjs hello turns     # some
//   OUT_DIR=/tmp/x node tools/scripted-model/record.mjs  # elsewhere (default __test__/fixtures)
//
// Each line: {"kind":"message","data":...} | {"kind":"hook","event":...,"tool_use_id":...,"data":...}
//            | last: {"kind":"end","threw":<error message or null>}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { startScriptedModel } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const OUT_DIR = process.env.OUT_DIR || path.join(repoRoot, '__test__', 'fixtures');
const MAX_STRING = 20 * 1024;

const HOOK_EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'SubagentStart', 'SubagentStop'];

// scenario name -> recording options
const RUNS = {
  hello: { tools: [] },
  'tool-success': { tools: ['Bash'] },
  'tool-failure': { tools: ['Bash'] },
  'parallel-tools': { tools: ['Bash', 'Read', 'Glob'] },
  subagent: { tools: ['Bash', 'Agent', 'Task'] },
  'background-subagent': { tools: ['Bash', 'Agent', 'Task'] },
  'api-error': { tools: [] },
  'hello-partial': { scenario: 'hello', tools: [], includePartialMessages: true },
  turns: { tools: [], streamingTurns: 3 },
  'turns-burst': { scenario: 'turns', tools: [], streamingTurns: 3, burst: true }, // all 3 yielded at once
  slow: { tools: ['Bash'], interruptAfterToolStart: 1500 },
  abort: { scenario: 'slow', tools: ['Bash'], abortAfterToolStart: 1500 },
  'slow-stream': { tools: [], abortAfterMs: 2500, includePartialMessages: true }, // aborts while the model is still streaming
  'permission-denied': { tools: ['Bash'] },
  'max-turns': { tools: ['Bash'], maxTurns: 2 },
};

// Replace any string longer than 20 KB with a truncated copy (fixtures are committed).
function shrink(v, notes) {
  if (typeof v === 'string') {
    if (v.length > MAX_STRING) {
      notes.push(v.length);
      return v.slice(0, MAX_STRING) + `…[truncated by record.mjs: ${v.length} chars]`;
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => shrink(x, notes));
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = shrink(x, notes);
    return o;
  }
  return v;
}

export async function record(name, { model, verbose = false } = {}) {
  const spec = RUNS[name];
  if (!spec) throw new Error(`unknown scenario ${name}`);
  const scenario = spec.scenario || name;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), `sm-${name}-`));
  fs.writeFileSync(path.join(cwd, 'notes.txt'), 'These are the notes.\nline two\n');
  // Keep the CLI's transcripts/session files out of ~/.claude.
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), `sm-config-${name}-`));

  const items = [];
  const t0 = Date.now();
  const push = (item) => {
    item.t_ms = Date.now() - t0; // relative arrival time (stripped before writing unless KEEP_TIMES)
    items.push(item);
    if (verbose) {
      const d = item.data || {};
      process.stderr.write(`  +${item.t_ms}ms ${item.kind} ${item.event || d.type || ''} ${d.subtype || ''}\n`);
    }
  };

  let toolStarted = null;
  const toolStartedP = new Promise((r) => (toolStarted = r));

  const hooks = {};
  for (const event of HOOK_EVENTS) {
    hooks[event] = [
      {
        hooks: [
          async (input, toolUseId) => {
            push({ kind: 'hook', event, tool_use_id: toolUseId ?? null, data: input });
            if (event === 'PreToolUse') toolStarted();
            return {};
          },
        ],
      },
    ];
  }

  const abortController = new AbortController();
  const options = {
    cwd,
    model: 'claude-sonnet-4-5',
    permissionMode: 'default',
    allowedTools: spec.tools,
    settingSources: [],
    hooks,
    abortController,
    env: {
      ...process.env,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CONFIG_DIR: configDir,
      CLAUDE_CODE_TMPDIR: configDir, // task output files (otherwise /tmp/claude-<uid>/)
    },
    stderr: verbose ? (s) => process.stderr.write(`  [cli] ${s}`) : undefined,
  };
  if (spec.maxTurns) options.maxTurns = spec.maxTurns;
  if (spec.includePartialMessages) options.includePartialMessages = true;

  const marker = `[scenario:${scenario}]`;
  let prompt;
  let onResult = () => {};
  if (spec.streamingTurns) {
    let resolveResult;
    let resultCount = 0;
    onResult = () => {
      resultCount++;
      if (resolveResult) resolveResult();
    };
    prompt = (async function* () {
      for (let i = 1; i <= spec.streamingTurns; i++) {
        const content = i === 1 ? `${marker} This is turn 1.` : `This is turn ${i}.`;
        yield { type: 'user', message: { role: 'user', content }, parent_tool_use_id: null, session_id: '' };
        if (spec.burst) continue;
        // wait until this turn's result arrived before sending the next one
        await new Promise((r) => {
          if (resultCount >= i) r();
          else resolveResult = r;
        });
      }
    })();
  } else {
    prompt = `${marker} Please do the scripted thing.`;
  }

  const q = query({ prompt, options });
  if (spec.interruptAfterToolStart) {
    toolStartedP.then(() =>
      setTimeout(() => {
        push({ kind: 'note', data: { note: 'recorder called q.interrupt()' } });
        q.interrupt().then(
          () => push({ kind: 'note', data: { note: 'q.interrupt() resolved' } }),
          (e) => push({ kind: 'note', data: { note: `q.interrupt() rejected: ${e && e.message}` } }),
        );
      }, spec.interruptAfterToolStart),
    );
  }
  if (spec.abortAfterToolStart) {
    toolStartedP.then(() =>
      setTimeout(() => {
        push({ kind: 'note', data: { note: 'recorder called abortController.abort()' } });
        abortController.abort();
      }, spec.abortAfterToolStart),
    );
  }

  if (spec.abortAfterMs) {
    setTimeout(() => {
      push({ kind: 'note', data: { note: 'recorder called abortController.abort()' } });
      abortController.abort();
    }, spec.abortAfterMs);
  }

  let threw = null;
  try {
    for await (const message of q) {
      push({ kind: 'message', data: message });
      if (message.type === 'result') onResult();
    }
  } catch (e) {
    threw = (e && e.message) || String(e);
  }
  const elapsed = Date.now() - t0;
  items.push({ kind: 'end', threw });
  // After an abort the CLI may still be writing for a moment: remove now and once more a bit later.
  const cleanup = () => {
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.rmSync(configDir, { recursive: true, force: true });
  };
  cleanup();
  await new Promise((r) => setTimeout(r, 300));
  cleanup();
  return { items, elapsed, cwd };
}

async function main() {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const verbose = process.argv.includes('-v');
  const keepTimes = !!process.env.KEEP_TIMES;
  const list = names.length ? names : Object.keys(RUNS);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const model = await startScriptedModel({ log: verbose });
  try {
    for (const name of list) {
      const before = model.requests.length;
      const { items, elapsed } = await record(name, { model, verbose });
      const notes = [];
      const lines = items.map((it) => {
        if (!keepTimes) delete it.t_ms;
        return JSON.stringify(shrink(it, notes));
      });
      fs.writeFileSync(path.join(OUT_DIR, `${name}.jsonl`), lines.join('\n') + '\n');
      const reqs = model.requests.slice(before).map((r) => `${r.path.split('?')[0]}:${r.scenario ?? '-'}#${r.step ?? '-'}:${r.status}`);
      const results = items.filter((i) => i.kind === 'message' && i.data.type === 'result').length;
      const end = items[items.length - 1];
      console.log(
        `${name}: ${elapsed} ms, ${items.length} lines, ${results} result(s), threw=${JSON.stringify(end.threw)}` +
          (notes.length ? `, truncated ${notes.length} string(s)` : '') +
          `\n    requests: ${reqs.join(' ')}`,
      );
    }
  } finally {
    await model.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
