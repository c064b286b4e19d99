#!/usr/bin/env node
// Record real Claude Agent SDK message streams (real CLI, scripted model) as JSONL fixtures.
//
//   node tools/scripted-model/record.mjs                   # every run (0.3.x line)
//   node tools/scripted-model/record.mjs hello turns       # some
//   node tools/scripted-model/record.mjs resume-chain      # a chain: resume-1, resume-2, fork-3, resume-turns-4
//   node tools/scripted-model/record.mjs --sdk 0.2 mcp     # the 0.2.x line (npm alias claude-agent-sdk-v0.2),
//                                                          # written to __test__/fixtures/v0.2/
//   OUT_DIR=/tmp/x node tools/scripted-model/record.mjs    # elsewhere
//   -v: log each line, the model requests and the CLI's stderr;  KEEP_TIMES=1: keep t_ms on each line
//
// Lines (README.md, "Recording fixtures"):
//   {"kind":"run", ...}                 first line of the runs added in 2026-12 (entry point, SDK version,
//                                       options, chain); absent from the 15 original fixtures
//   {"kind":"message","data":...}       an SDK message
//   {"kind":"hook","event":...,"tool_use_id":...,"data":...[,"answer":...]}
//   {"kind":"can_use_tool","tool_name":...,"input":...,"options":...,"decision":...}
//   {"kind":"note","data":{"note":...}} recorder actions and entry-point events
//   last: {"kind":"end","threw":<error message or null>}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startScriptedModel } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const MAX_STRING = 20 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

// The SDK lines this repository installs (package.json devDependencies).
const SDK_LINES = { 0.3: '@anthropic-ai/claude-agent-sdk', 0.2: 'claude-agent-sdk-v0.2' };

const BASE_HOOKS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'SubagentStart', 'SubagentStop'];
const PERMISSION_HOOKS = ['PermissionRequest', 'PermissionDenied'];

const DENY_REASON = 'Blocked by the recorder (PreToolUse hook answered deny)';
const DENY_MESSAGE = 'Denied by the recorder (canUseTool answered deny)';
const INTERRUPT_MESSAGE = 'Denied by the recorder (canUseTool answered deny with interrupt)';

const preToolUse = (hookSpecificOutput) => ({
  hookSpecificOutput: { hookEventName: 'PreToolUse', ...hookSpecificOutput },
});
const allowAll = (_toolName, input) => ({ behavior: 'allow', updatedInput: input });

// name -> recording spec
//   scenario (default: name), tools (allowedTools), header:false (no `run` line: the 15 original fixtures),
//   includePartialMessages, maxTurns, streamingTurns/burst, prompts (streaming input, one per result; `{marker}`),
//   interruptAfterToolStart / abortAfterToolStart / abortAfterMs, options (more SDK options), env (more env),
//   hooks ({Event: input => answer}), extraHooks (more events recorded with `{}`), canUseTool,
//   mcp ('sdk' | 'stdio'), entry ('startup' | 'prewarm'), claimCwd (prewarm: claim another folder),
//   lines (SDK lines it applies to; default both), timeoutMs.
const RUNS = {
  hello: { header: false, tools: [] },
  'tool-success': { header: false, tools: ['Bash'] },
  'tool-failure': { header: false, tools: ['Bash'] },
  'parallel-tools': { header: false, tools: ['Bash', 'Read', 'Glob'] },
  subagent: { header: false, tools: ['Bash', 'Agent', 'Task'] },
  'background-subagent': { header: false, tools: ['Bash', 'Agent', 'Task'] },
  'api-error': { header: false, tools: [] },
  'hello-partial': { header: false, scenario: 'hello', tools: [], includePartialMessages: true },
  turns: { header: false, tools: [], streamingTurns: 3 },
  'turns-burst': { header: false, scenario: 'turns', tools: [], streamingTurns: 3, burst: true }, // all 3 yielded at once
  slow: { header: false, tools: ['Bash'], interruptAfterToolStart: 1500 },
  abort: { header: false, scenario: 'slow', tools: ['Bash'], abortAfterToolStart: 1500 },
  'slow-stream': { header: false, tools: [], abortAfterMs: 2500, includePartialMessages: true }, // aborts while the model is still streaming
  'permission-denied': { header: false, tools: ['Bash'] },
  'max-turns': { header: false, tools: ['Bash'], maxTurns: 2 },

  // --- added with SDK 0.3.337 / CLI 2.1.337 ---
  thinking: { tools: ['Bash'], options: { thinking: { type: 'enabled', budgetTokens: 2000 } } },
  // in-process server; the MCP tool is NOT in allowedTools, so canUseTool is asked (and allows)
  mcp: { tools: [], mcp: 'sdk', canUseTool: allowAll, extraHooks: PERMISSION_HOOKS },
  // stdio server (calc-mcp-stdio.mjs), the MCP tool allowed by allowedTools
  'mcp-stdio': { scenario: 'mcp', tools: ['mcp__calc__add'], mcp: 'stdio' },
  'overloaded-once': { tools: [], extraHooks: ['Stop', 'StopFailure'] },
  'server-error': { tools: [], env: { CLAUDE_CODE_MAX_RETRIES: '2' }, extraHooks: ['Stop', 'StopFailure'] },
  compact: {
    tools: [],
    prompts: ['{marker} This is turn 1.', '/compact', 'This is turn 3, after the compaction.'],
    extraHooks: ['PreCompact', 'PostCompact'],
  },
  // 0.3.337 compacts on its own only with an auto-compact window set (see README FINDINGS)
  'huge-context': {
    tools: ['Bash'],
    env: { CLAUDE_CODE_AUTO_COMPACT_WINDOW: '200000' },
    extraHooks: ['PreCompact', 'PostCompact'],
  },
  budget: { tools: ['Bash'], options: { maxBudgetUsd: 0.001 } },
  'deny-hook': {
    scenario: 'gated-bash',
    tools: ['Bash'],
    hooks: { PreToolUse: () => preToolUse({ permissionDecision: 'deny', permissionDecisionReason: DENY_REASON }) },
    extraHooks: PERMISSION_HOOKS,
  },
  'deny-can-use-tool': {
    scenario: 'gated-bash',
    tools: [],
    canUseTool: () => ({ behavior: 'deny', message: DENY_MESSAGE }),
    extraHooks: PERMISSION_HOOKS,
  },
  'deny-interrupt': {
    scenario: 'gated-bash',
    tools: [],
    canUseTool: () => ({ behavior: 'deny', message: INTERRUPT_MESSAGE, interrupt: true }),
    extraHooks: PERMISSION_HOOKS,
  },
  'updated-input-hook': {
    scenario: 'gated-bash',
    tools: ['Bash'],
    hooks: {
      PreToolUse: (input) =>
        input.tool_name === 'Bash'
          ? preToolUse({
              permissionDecision: 'allow',
              updatedInput: { ...input.tool_input, command: 'echo rewritten-by-hook' },
            })
          : {},
    },
    extraHooks: PERMISSION_HOOKS,
  },
  'updated-input-can-use-tool': {
    scenario: 'gated-bash',
    tools: [],
    canUseTool: (toolName, input) => ({
      behavior: 'allow',
      updatedInput: toolName === 'Bash' ? { ...input, command: 'echo rewritten-by-can-use-tool' } : input,
    }),
    extraHooks: PERMISSION_HOOKS,
  },
  startup: {
    scenario: 'tool-success',
    tools: ['Bash'],
    entry: 'startup',
    extraHooks: ['SessionStart', 'UserPromptSubmit', 'Stop'],
  },
  prewarm: {
    scenario: 'tool-success',
    tools: ['Bash'],
    entry: 'prewarm',
    extraHooks: ['SessionStart', 'UserPromptSubmit', 'Stop'],
    lines: ['0.3'],
  },
  'prewarm-refused': {
    scenario: 'tool-success',
    tools: ['Bash'],
    entry: 'prewarm',
    claimCwd: '/nonexistent/sentrial-prewarm-claim',
    extraHooks: ['SessionStart', 'UserPromptSubmit', 'Stop'],
    lines: ['0.3'],
  },
};

// Runs that build on each other: same cwd and CLAUDE_CONFIG_DIR, later runs resume earlier sessions.
//   resume: <earlier run name> (its init session_id becomes options.resume); forkSession
const CHAINS = {
  'resume-chain': [
    { name: 'resume-1', scenario: 'tool-success', tools: ['Bash'] },
    { name: 'resume-2', scenario: 'tool-success', tools: ['Bash'], resume: 'resume-1', prompt: 'Please continue.' },
    {
      name: 'fork-3',
      scenario: 'tool-success',
      tools: ['Bash'],
      resume: 'resume-2',
      forkSession: true,
      prompt: 'Please continue in a fork.',
    },
    {
      name: 'resume-turns-4',
      scenario: 'tool-success',
      tools: ['Bash'],
      resume: 'resume-2',
      prompts: ['Turn one after the resume.', 'Turn two after the resume.'],
    },
  ],
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

export async function loadSdk(line = '0.3') {
  const pkg = SDK_LINES[line];
  if (!pkg) throw new Error(`unknown SDK line ${line} (0.3 or 0.2)`);
  const entry = require.resolve(pkg);
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  return { line, pkg, version, sdk: await import(pkg) };
}

function tempDirs(name) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), `sm-${name}-`));
  fs.writeFileSync(path.join(cwd, 'notes.txt'), 'These are the notes.\nline two\n');
  // Keep the CLI's transcripts/session files out of ~/.claude.
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), `sm-config-${name}-`));
  return { cwd, configDir };
}

async function removeDirs({ cwd, configDir }) {
  // After an abort the CLI may still be writing for a moment: remove now and once more a bit later.
  const cleanup = () => {
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.rmSync(configDir, { recursive: true, force: true });
  };
  cleanup();
  await new Promise((r) => setTimeout(r, 300));
  cleanup();
}

async function mcpServers(kind, sdk) {
  if (kind === 'stdio') {
    return { calc: { type: 'stdio', command: process.execPath, args: [path.join(here, 'calc-mcp-stdio.mjs')] } };
  }
  const { z } = await import('zod');
  const add = sdk.tool('add', 'Add two numbers', { a: z.number(), b: z.number() }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  return { calc: sdk.createSdkMcpServer({ name: 'calc', version: '1.0.0', tools: [add] }) };
}

// Only what can be written as JSON: the options a run was given, for the `run` line.
function optionsSummary(spec, options) {
  const o = { allowedTools: options.allowedTools, permissionMode: options.permissionMode, model: options.model };
  for (const k of ['thinking', 'maxBudgetUsd', 'maxTurns', 'includePartialMessages', 'resume', 'forkSession'])
    if (options[k] !== undefined) o[k] = options[k];
  if (spec.mcp) o.mcpServers = { calc: spec.mcp };
  o.hooks = Object.keys(options.hooks || {});
  if (spec.hooks) o.hookAnswers = Object.keys(spec.hooks);
  if (options.canUseTool) o.canUseTool = true;
  if (spec.env) o.env = spec.env;
  return o;
}

/**
 * Record one run. `dirs` (shared cwd/configDir) and `resumeId` come from a chain; otherwise fresh temp dirs.
 * Returns { items, elapsed, sessionId, skipped? }.
 */
export async function record(
  name,
  { model, verbose = false, sdkLine, spec: givenSpec, dirs: givenDirs, resumeId, chain } = {},
) {
  const spec = givenSpec || RUNS[name];
  if (!spec) throw new Error(`unknown run ${name}`);
  const { sdk, version, line } = sdkLine || (await loadSdk('0.3'));
  if (spec.lines && !spec.lines.includes(line)) return { items: [], elapsed: 0, skipped: `not on the ${line} line` };
  if (spec.entry === 'prewarm' && typeof sdk.prewarm !== 'function')
    return { items: [], elapsed: 0, skipped: 'no prewarm() in this SDK' };
  if (spec.entry === 'startup' && typeof sdk.startup !== 'function')
    return { items: [], elapsed: 0, skipped: 'no startup() in this SDK' };

  const scenario = spec.scenario || name;
  const dirs = givenDirs || tempDirs(name);
  const { cwd, configDir } = dirs;

  const items = [];
  const t0 = Date.now();
  const push = (item) => {
    item.t_ms = Date.now() - t0; // relative arrival time (stripped before writing unless KEEP_TIMES)
    items.push(item);
    if (verbose) {
      const d = item.data || {};
      const what =
        item.kind === 'can_use_tool'
          ? `${item.tool_name} → ${item.decision && item.decision.behavior}`
          : `${item.event || d.type || ''} ${d.subtype || ''}`;
      process.stderr.write(`  +${item.t_ms}ms ${item.kind} ${what}\n`);
    }
  };

  let toolStarted = null;
  const toolStartedP = new Promise((r) => (toolStarted = r));

  const hooks = {};
  for (const event of [...BASE_HOOKS, ...(spec.extraHooks || [])]) {
    hooks[event] = [
      {
        hooks: [
          async (input, toolUseId) => {
            const answerFn = spec.hooks && spec.hooks[event];
            const answer = answerFn ? answerFn(input) : {};
            const item = { kind: 'hook', event, tool_use_id: toolUseId ?? null, data: input };
            if (answer && Object.keys(answer).length) item.answer = answer;
            push(item);
            if (event === 'PreToolUse') toolStarted();
            return answer;
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
      ...(spec.env || {}),
    },
    stderr: verbose ? (s) => process.stderr.write(`  [cli] ${s}`) : undefined,
    ...(spec.options || {}),
  };
  if (spec.maxTurns) options.maxTurns = spec.maxTurns;
  if (spec.includePartialMessages) options.includePartialMessages = true;
  if (spec.mcp) options.mcpServers = await mcpServers(spec.mcp, sdk);
  if (resumeId) options.resume = resumeId;
  if (spec.forkSession) options.forkSession = true;
  if (spec.canUseTool) {
    options.canUseTool = async (toolName, input, opts) => {
      const decision = spec.canUseTool(toolName, input, opts);
      const { signal, ...rest } = opts || {};
      push({ kind: 'can_use_tool', tool_name: toolName, input, options: rest, decision });
      return decision;
    };
  }

  // The prompt. 0.2.x CLIs state the cwd nowhere in the request: add a [cwd:…] marker there.
  const marker = `[scenario:${scenario}]`;
  const cwdMarker = line === '0.2' ? ` [cwd:${cwd}]` : '';
  let prompts = null;
  if (spec.prompts) prompts = spec.prompts.map((p) => p.replace('{marker}', marker));
  else if (spec.streamingTurns)
    prompts = Array.from({ length: spec.streamingTurns }, (_, i) =>
      i === 0 ? `${marker} This is turn 1.` : `This is turn ${i + 1}.`,
    );
  if (prompts && cwdMarker && prompts[0].includes(marker)) prompts[0] += cwdMarker;
  const single = spec.prompt || `${marker} Please do the scripted thing.${cwdMarker}`;

  let prompt;
  let onResult = () => {};
  if (prompts) {
    let resolveResult;
    let resultCount = 0;
    onResult = () => {
      resultCount++;
      if (resolveResult) resolveResult();
    };
    prompt = (async function* () {
      for (let i = 0; i < prompts.length; i++) {
        yield {
          type: 'user',
          message: { role: 'user', content: prompts[i] },
          parent_tool_use_id: null,
          session_id: '',
        };
        if (spec.burst) continue;
        // wait until this turn's result arrived before sending the next one
        await new Promise((r) => {
          if (resultCount >= i + 1) r();
          else resolveResult = r;
        });
      }
    })();
  } else {
    prompt = single;
  }

  if (spec.header !== false) {
    const entry = spec.entry || 'query';
    const run = {
      kind: 'run',
      name,
      sdk: version,
      entry,
      scenario,
      prompt: prompts || single,
      options: optionsSummary(spec, options),
    };
    if (spec.claimCwd) run.claimCwd = spec.claimCwd;
    if (chain) run.chain = chain;
    push(run);
  }

  let threw = null;
  let q;
  let spare;
  try {
    if (spec.entry === 'startup') {
      const warm = await sdk.startup({ options });
      push({ kind: 'note', data: { note: 'startup() resolved' } });
      q = warm.query(prompt);
    } else if (spec.entry === 'prewarm') {
      // Host-level options at prewarm (no cwd: the CLI parks in a folder of its own under CLAUDE_CONFIG_DIR);
      // the session's folder comes with the claim.
      const { cwd: _c, ...hostOptions } = options;
      spare = await sdk.prewarm({ options: hostOptions });
      push({ kind: 'note', data: { note: 'prewarm() resolved' } });
      const claimCwd = spec.claimCwd || cwd;
      q = spare.claim({ prompt, options: { cwd: claimCwd, model: options.model, permissionMode: 'default' } });
      push({
        kind: 'note',
        data: { note: `spare.claim() returned (cwd ${claimCwd === cwd ? '<run cwd>' : claimCwd})` },
      });
      spare.claimed.then(
        (v) => push({ kind: 'note', data: { note: 'spare.claimed resolved', value: v } }),
        (e) => push({ kind: 'note', data: { note: `spare.claimed rejected: ${(e && e.message) || e}` } }),
      );
    } else {
      q = sdk.query({ prompt, options });
    }
  } catch (e) {
    threw = (e && e.message) || String(e);
  }

  if (q) {
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
    const timers = [];
    if (spec.abortAfterMs) {
      timers.push(
        setTimeout(() => {
          push({ kind: 'note', data: { note: 'recorder called abortController.abort()' } });
          abortController.abort();
        }, spec.abortAfterMs),
      );
    }
    // Every recording is bounded: abort at the time limit, give up on the iterator 5 s later.
    const limit = spec.timeoutMs || DEFAULT_TIMEOUT_MS;
    let giveUp;
    const gaveUp = new Promise((r) => (giveUp = r));
    timers.push(
      setTimeout(() => {
        push({ kind: 'note', data: { note: `recorder time limit (${limit} ms): abortController.abort()` } });
        abortController.abort();
        timers.push(setTimeout(() => giveUp(true), 5000));
      }, limit),
    );
    const it = q[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await Promise.race([it.next(), gaveUp]);
        if (r === true) {
          threw = `record.mjs: gave up ${limit + 5000} ms after the start`;
          try {
            q.close();
          } catch {}
          break;
        }
        if (r.done) break;
        push({ kind: 'message', data: r.value });
        if (r.value.type === 'result') onResult();
      }
    } catch (e) {
      threw = (e && e.message) || String(e);
    }
    for (const t of timers) clearTimeout(t);
  }
  if (spare) {
    // let a pending `claimed` settle before the end line
    await Promise.race([spare.claimed.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    await new Promise((r) => setTimeout(r, 20));
    try {
      spare.close();
    } catch {}
  }
  const elapsed = Date.now() - t0;
  const init = items.find((i) => i.kind === 'message' && i.data.type === 'system' && i.data.subtype === 'init');
  items.push({ kind: 'end', threw });
  if (!givenDirs) await removeDirs(dirs);
  return { items, elapsed, sessionId: init ? init.data.session_id : null };
}

async function recordChain(chainName, opts) {
  const steps = CHAINS[chainName];
  const dirs = tempDirs(chainName);
  const sessions = {};
  const out = [];
  try {
    for (let i = 0; i < steps.length; i++) {
      const spec = steps[i];
      const resumeId = spec.resume ? sessions[spec.resume] : undefined;
      if (spec.resume && !resumeId) throw new Error(`${spec.name}: no session id from ${spec.resume}`);
      const chain = {
        name: chainName,
        index: i + 1,
        of: steps.length,
        ...(spec.resume ? { resume_of: spec.resume, resume: resumeId } : {}),
      };
      if (spec.forkSession) chain.fork_session = true;
      const r = await record(spec.name, { ...opts, spec, dirs, resumeId, chain });
      sessions[spec.name] = r.sessionId;
      out.push({ name: spec.name, ...r });
    }
  } finally {
    await removeDirs(dirs);
  }
  return out;
}

function parseArgs(argv) {
  const names = [];
  let line = process.env.SDK_LINE || '0.3';
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-v') verbose = true;
    else if (a === '--sdk') line = argv[++i];
    else if (a.startsWith('--sdk=')) line = a.slice(6);
    else names.push(a);
  }
  return { names, line, verbose };
}

async function main() {
  const { names, line, verbose } = parseArgs(process.argv.slice(2));
  const keepTimes = !!process.env.KEEP_TIMES;
  const sdkLine = await loadSdk(line);
  const OUT_DIR =
    process.env.OUT_DIR || path.join(repoRoot, '__test__', 'fixtures', ...(line === '0.2' ? ['v0.2'] : []));
  // a name of a chain member records its whole chain
  const chainOf = (n) => Object.keys(CHAINS).find((c) => c === n || CHAINS[c].some((s) => s.name === n));
  const list = [];
  for (const n of names.length ? names : [...Object.keys(RUNS), ...Object.keys(CHAINS)]) {
    const c = chainOf(n);
    const key = c ? `chain:${c}` : n;
    if (!c && !RUNS[n])
      throw new Error(
        `unknown run ${n}; runs: ${Object.keys(RUNS).join(' ')}; chains: ${Object.keys(CHAINS).join(' ')}`,
      );
    if (!list.includes(key)) list.push(key);
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  console.log(`SDK ${sdkLine.pkg} ${sdkLine.version} → ${path.relative(process.cwd(), OUT_DIR) || '.'}`);
  const model = await startScriptedModel({ log: verbose });
  const write = (name, { items, elapsed, skipped }, reqs) => {
    if (skipped) return console.log(`${name}: skipped (${skipped})`);
    const notes = [];
    const lines = items.map((it) => {
      if (!keepTimes) delete it.t_ms;
      return JSON.stringify(shrink(it, notes));
    });
    fs.writeFileSync(path.join(OUT_DIR, `${name}.jsonl`), lines.join('\n') + '\n');
    const results = items.filter((i) => i.kind === 'message' && i.data.type === 'result').length;
    const end = items[items.length - 1];
    console.log(
      `${name}: ${elapsed} ms, ${items.length} lines, ${results} result(s), threw=${JSON.stringify(end.threw)}` +
        (notes.length ? `, truncated ${notes.length} string(s)` : '') +
        `\n    requests: ${reqs.map((r) => `${r.method === 'POST' ? '' : r.method + ' '}${r.path.split('?')[0]}:${r.scenario ?? '-'}#${r.step ?? '-'}:${r.status}`).join(' ')}`,
    );
  };
  try {
    for (const key of list) {
      const before = model.requests.length;
      if (key.startsWith('chain:')) {
        const runs = await recordChain(key.slice(6), { model, verbose, sdkLine });
        const reqs = model.requests.slice(before);
        runs.forEach((r, i) => {
          write(r.name, r, i === runs.length - 1 ? reqs : []);
        });
      } else {
        const r = await record(key, { model, verbose, sdkLine });
        write(key, r, model.requests.slice(before));
      }
    }
  } finally {
    await model.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
