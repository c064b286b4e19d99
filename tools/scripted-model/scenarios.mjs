// Scenarios of the scripted model: how a request is read (scenario marker, step, cwd, turns) and what
// each scenario answers. Node built-ins only. See README.md in this folder.
//
// A scenario is (ctx) => plan, with
//   ctx  = { step, messages, body, tools, cwd, turns, system, key, state }
//          key: the conversation key (the first user message's text); state: a Map shared by all requests
//          of one server (for "fail once per conversation" scenarios)
//   plan = { content: [...blocks], stop_reason?, usage?: {partial usage, merged over the default},
//            error?: {status, type, message, headers?}, slow?: {intervalMs} }

// ---------------------------------------------------------------------------------------------
// reading a request

export function blockTexts(content) {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out = [];
  for (const b of content) {
    if (b && b.type === 'text' && typeof b.text === 'string') out.push(b.text);
  }
  return out;
}

export function firstUserText(messages) {
  const first = (messages || []).find((m) => m && m.role === 'user');
  return first ? blockTexts(first.content).join('\n') : '';
}

export function isToolResultOnly(m) {
  return Array.isArray(m.content) && m.content.length > 0 && m.content.every((b) => b && b.type === 'tool_result');
}

// Number of "real" user text turns: user messages carrying text that is not only system reminders,
// and not only tool results.
export function userTextTurns(messages) {
  let n = 0;
  for (const m of messages || []) {
    if (!m || m.role !== 'user' || isToolResultOnly(m)) continue;
    const texts = blockTexts(m.content).filter((t) => !/^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/.test(t));
    if (texts.some((t) => t.trim().length > 0)) n++;
  }
  return n;
}

// All tool_use blocks of the assistant messages so far, in order.
export function toolUses(messages) {
  const out = [];
  for (const m of messages || []) {
    if (m && m.role === 'assistant' && Array.isArray(m.content))
      for (const b of m.content) if (b && b.type === 'tool_use') out.push(b);
  }
  return out;
}

export function toolResultFor(messages, toolUseId) {
  for (const m of messages || []) {
    if (m && m.role === 'user' && Array.isArray(m.content)) {
      for (const b of m.content) if (b && b.type === 'tool_result' && b.tool_use_id === toolUseId) return b;
    }
  }
  return null;
}

// The text of a tool_result (string content, or its text blocks joined), system reminders removed.
export function toolResultText(r) {
  const s = typeof r.content === 'string' ? r.content : blockTexts(r.content).join('\n');
  return s.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '');
}

function lastUserText(messages) {
  const last = [...(messages || [])].reverse().find((m) => m && m.role === 'user');
  return last ? blockTexts(last.content).join('\n') : '';
}

// The CLI's compaction request: it asks for a summary of the conversation so far in the LAST user message
// (2.1.x: "… Please provide your summary …, an <analysis> block followed by a <summary> block"); older
// CLIs said so in the system prompt.
export function isSummaryRequest(ctx) {
  return (
    /provide your summary|detailed summary of the conversation|<summary>[\s\S]*<\/summary>/i.test(
      lastUserText(ctx.messages),
    ) || /summariz/i.test(ctx.system)
  );
}

// After a compaction the history starts with the summary: "This session is being continued from a previous
// conversation …" (the scenario marker survives because the scripted summary repeats it).
export function isAfterCompaction(ctx) {
  return /continued from a previous conversation|\[compacted\]/i.test(ctx.key);
}

export function systemText(body) {
  if (typeof body.system === 'string') return body.system;
  if (Array.isArray(body.system)) return body.system.map((b) => (b && b.text) || '').join('\n');
  return '';
}

export function toolNames(body) {
  return Array.isArray(body.tools) ? body.tools.map((t) => t && t.name).filter(Boolean) : [];
}

// The CLI states the cwd as "Primary working directory: /path" (in a <system-reminder> text block of the
// first user message in this version; older versions put it in the system prompt).
// CLIs that state it nowhere (0.2.x SDKs) get it from a `[cwd:/path]` marker in the prompt.
export function cwdFromRequest(body) {
  const first = firstUserText(body.messages);
  const marked = /\[cwd:([^\]\s]+)\]/.exec(first);
  if (marked) return marked[1];
  const hay = systemText(body) + '\n' + first;
  const m = /[Ww]orking directory:\s*(\S+)/.exec(hay);
  return m ? m[1] : null;
}

// Deterministic usage per (scenario, step). Step 0 writes the prompt cache, later steps read it.
export function usageFor(step, outputTokens) {
  if (step === 0) {
    return {
      input_tokens: 120,
      cache_creation_input_tokens: 2400,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
    };
  }
  return {
    input_tokens: 40 + 15 * step,
    cache_creation_input_tokens: 150 * step,
    cache_read_input_tokens: 2400 + 100 * (step - 1),
    output_tokens: outputTokens,
  };
}

export function outputTokensFor(content) {
  let chars = 0;
  for (const b of content) {
    if (b.type === 'text') chars += b.text.length;
    else if (b.type === 'tool_use') chars += JSON.stringify(b.input).length + b.name.length;
    else if (b.type === 'thinking') chars += b.thinking.length;
    else if (b.type === 'redacted_thinking') chars += b.data.length;
  }
  return 8 + Math.ceil(chars / 4);
}

const text = (t) => ({ type: 'text', text: t });
const tool = (name, input) => ({ type: 'tool_use', name, input });
const thinking = (t, signature) => ({ type: 'thinking', thinking: t, signature });
const redacted = (data) => ({ type: 'redacted_thinking', data });

// ---------------------------------------------------------------------------------------------
// scenarios: (ctx) => { content: [...blocks], stop_reason?, error?: {status, type, message}, slow?: {...} }
// ctx = { step, messages, body, tools, cwd, turns }

function agentToolName(ctx) {
  if (ctx.tools.includes('Agent')) return 'Agent';
  if (ctx.tools.includes('Task')) return 'Task';
  return 'Agent';
}

// The answer to a compaction request: a fixed <analysis> and <summary>, the summary repeating the scenario
// marker and `[compacted]`, with small usage.
function summaryPlan(name) {
  return {
    content: [
      text(
        `<analysis>\nThe conversation is a scripted test.\n</analysis>\n\n<summary>\n1. Primary Request and Intent:\n   The scripted test [scenario:${name}] [compacted].\n\n` +
          `2. Current Work:\n   Waiting for the next user message.\n</summary>`,
      ),
    ],
    usage: { input_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 2400 },
  };
}

export const SCENARIOS = {
  hello: () => ({ content: [text('Hello from the scripted model. Done: hello')] }),

  // For an agent loop written by hand (examples/manual.mjs): one call of its own `get_weather` tool.
  'manual-weather': ({ step }) =>
    step === 0
      ? { content: [text('Let me look that up.'), tool('get_weather', { city: 'Paris' })] }
      : { content: [text('It is sunny in Paris. Done: manual-weather')] },

  'tool-success': ({ step }) =>
    step === 0
      ? {
          content: [
            text('I will run a command.'),
            tool('Bash', { command: 'echo hello-from-bash', description: 'Print a greeting' }),
          ],
        }
      : { content: [text('The command printed hello-from-bash. Done: tool-success')] },

  'tool-failure': ({ step }) =>
    step === 0
      ? { content: [tool('Bash', { command: 'ls /definitely-missing-dir', description: 'List a missing directory' })] }
      : { content: [text('The command failed as expected. Done: tool-failure')] },

  'parallel-tools': ({ step, cwd }) =>
    step === 0
      ? {
          content: [
            text('Running three tools at once.'),
            tool('Bash', { command: 'echo one', description: 'Print one' }),
            tool('Read', { file_path: `${cwd || process.cwd()}/notes.txt` }),
            tool('Glob', { pattern: '*.txt' }),
          ],
        }
      : { content: [text('All three tools finished. Done: parallel-tools')] },

  subagent: (ctx) =>
    ctx.step === 0
      ? {
          content: [
            text('Delegating to a sub-agent.'),
            tool(agentToolName(ctx), {
              description: 'Echo from subagent',
              prompt: 'Run the echo command. [scenario:sub-worker]',
              subagent_type: 'general-purpose',
              run_in_background: false,
            }),
          ],
        }
      : { content: [text('The sub-agent finished. Done: subagent')] },

  'sub-worker': ({ step }) =>
    step === 0
      ? { content: [tool('Bash', { command: 'echo from-subagent', description: 'Echo from subagent' })] }
      : { content: [text('Sub-agent output: from-subagent. Done: sub-worker')] },

  'background-subagent': (ctx) => {
    if (ctx.step === 0) {
      return {
        content: [
          text('Starting a background sub-agent.'),
          tool(agentToolName(ctx), {
            description: 'Echo in background',
            prompt: 'Run the echo command. [scenario:sub-worker]',
            subagent_type: 'general-purpose',
            run_in_background: true,
          }),
        ],
      };
    }
    // After the launch tool_result: end the turn. When the task notification arrives (a later user
    // message mentioning the task), answer the final text.
    const last = ctx.messages[ctx.messages.length - 1];
    const lastText = last ? blockTexts(last.content).join('\n') : '';
    const notified = /task[-_ ]?notification|completed|<task/i.test(lastText) && !isToolResultOnly(last);
    if (notified || ctx.step >= 2)
      return { content: [text('The background sub-agent reported back. Done: background-subagent')] };
    return { content: [text('The sub-agent is running in the background; waiting for it.')] };
  },

  'api-error': () => ({
    error: {
      status: 400,
      type: 'invalid_request_error',
      message: 'scripted-model: this request is invalid (api-error scenario)',
    },
  }),

  turns: ({ turns }) => ({ content: [text(`reply to turn ${turns}`)] }),

  slow: ({ step }) =>
    step === 0
      ? { content: [tool('Bash', { command: 'sleep 20', description: 'Sleep for a while' })] }
      : { content: [text('Slept. Done: slow')] },

  'slow-stream': () => ({
    content: [text(Array.from({ length: 50 }, (_, i) => `chunk${i} `).join('') + 'Done: slow-stream')],
    slow: { intervalMs: 200 },
  }),

  'permission-denied': ({ step, cwd }) =>
    step === 0
      ? { content: [tool('Write', { file_path: `${cwd || '/tmp'}/denied.txt`, content: 'should not be written\n' })] }
      : { content: [text('The write was not allowed. Done: permission-denied')] },

  thinking: ({ step }) =>
    step === 0
      ? {
          content: [
            thinking(
              'The user wants the scripted thing. I should run one command and then report.',
              'c2NyaXB0ZWQtc2lnbmF0dXJlLTE=',
            ),
            text('I thought about it; running a command.'),
            tool('Bash', { command: 'echo thought-through', description: 'Print after thinking' }),
          ],
        }
      : {
          content: [
            redacted('c2NyaXB0ZWQtcmVkYWN0ZWQtdGhpbmtpbmctZGF0YQ=='),
            text('The command printed thought-through. Done: thinking'),
          ],
        },

  // The model calls the MCP tool mcp__calc__add {a:2,b:3} (served by the test's MCP server named `calc`)
  // and answers with the tool's result. When the CLI offers the MCP tool only as a deferred tool (its name
  // in a system reminder, not in `tools`; 0.3.x does so), the model first loads it with
  // ToolSearch {query:'select:mcp__calc__add'}, as a real model must.
  mcp: (ctx) => {
    const name = 'mcp__calc__add';
    const calls = toolUses(ctx.messages);
    const add = calls.find((c) => c.name === name);
    if (add) {
      const r = toolResultFor(ctx.messages, add.id);
      const got = r ? toolResultText(r).trim() : '?';
      return { content: [text(`2 + 3 = ${got} (from ${name}${r && r.is_error ? ', which failed' : ''}). Done: mcp`)] };
    }
    const loaded = ctx.tools.includes(name);
    if (!loaded && ctx.tools.includes('ToolSearch') && !calls.some((c) => c.name === 'ToolSearch')) {
      return {
        content: [
          text('Loading the calculator tool.'),
          tool('ToolSearch', { query: `select:${name}`, max_results: 1 }),
        ],
      };
    }
    return { content: [text('Adding with the calculator.'), tool(name, { a: 2, b: 3 })] };
  },

  // The first request of a conversation gets HTTP 529 overloaded_error; the retry (same first user
  // message, so same key) gets `… Done: overloaded-once`.
  'overloaded-once': (ctx) => {
    const k = `overloaded-once:${ctx.key}`;
    if (!ctx.state.has(k)) {
      ctx.state.set(k, true);
      return {
        error: {
          status: 529,
          type: 'overloaded_error',
          message: 'Overloaded (scripted-model: overloaded-once, first request)',
        },
      };
    }
    return { content: [text('Answered after one overloaded error. Done: overloaded-once')] };
  },

  // Every request gets HTTP 500 api_error (bound the run with CLAUDE_CODE_MAX_RETRIES).
  'server-error': () => ({
    error: { status: 500, type: 'api_error', message: 'Internal server error (scripted-model: server-error)' },
  }),

  // Manual compaction, with streaming input: turn 1 `[scenario:compact] …` → text; turn 2 `/compact` →
  // the CLI asks for a summary (answered with <analysis>/<summary>, repeating the marker so the scenario
  // survives); turn 3 → `… Done: compact`.
  compact: (ctx) => {
    if (isSummaryRequest(ctx)) return summaryPlan('compact');
    if (isAfterCompaction(ctx)) return { content: [text('Continuing after the compaction. Done: compact')] };
    return { content: [text(`Noted turn ${ctx.turns}; nothing to do yet.`)] };
  },

  // Auto compaction: step 0 runs a Bash command and reports usage near the 200k context window
  // (input 1200 + cache creation 800 + cache read 188000 = 190000 tokens), so before the next request
  // the CLI compacts on its own; after the summary the model answers `… Done: huge-context`.
  'huge-context': (ctx) => {
    if (isSummaryRequest(ctx)) return summaryPlan('huge-context');
    if (isAfterCompaction(ctx))
      return { content: [text('Continuing after the automatic compaction. Done: huge-context')] };
    if (ctx.step === 0) {
      return {
        content: [
          text('Reading a lot of context.'),
          tool('Bash', { command: 'echo big-context', description: 'Print a marker' }),
        ],
        usage: { input_tokens: 1200, cache_creation_input_tokens: 800, cache_read_input_tokens: 188000 },
      };
    }
    return { content: [text('Still here without compaction. Done: huge-context')] };
  },

  // Costly answers: every step runs a Bash command and reports 5000 input / 1000 output tokens (step 0
  // ≈ $0.039 at sonnet list price), so `maxBudgetUsd: 0.001` ends the run after the first step.
  budget: ({ step }) => ({
    content: [
      text(`Spending tokens (step ${step}).`),
      tool('Bash', { command: `echo spend-${step}`, description: 'Spend a step' }),
    ],
    usage: { input_tokens: 5000, output_tokens: 1000 },
  }),

  // A Bash call that a hook or canUseTool decides on (deny, deny+interrupt, allow with updatedInput):
  // step 0: text + Bash `touch gated.txt && echo gated-command` (not auto-approved as read-only); step 1: repeats what the tool_result said (so the fixture shows
  // what the model was told).
  'gated-bash': (ctx) => {
    if (ctx.step === 0)
      return {
        content: [
          text('Running a gated command.'),
          tool('Bash', { command: 'touch gated.txt && echo gated-command', description: 'Create a marker file' }),
        ],
      };
    const call = toolUses(ctx.messages)[0];
    const r = call && toolResultFor(ctx.messages, call.id);
    const said = r ? toolResultText(r).trim().replace(/\s+/g, ' ').slice(0, 300) : '(no tool result)';
    return { content: [text(`The tool said${r && r.is_error ? ' (error)' : ''}: ${said}. Done: gated-bash`)] };
  },

  // The same Bash call four times in a row, then done: a loop of the detected issues.
  loop: ({ step }) =>
    step < 4
      ? { content: [text(`Trying again (step ${step}).`), tool('Bash', { command: 'echo same', description: 'Same' })] }
      : { content: [text('Gave up repeating. Done: loop')] },

  // Four different Bash calls that fail, one per step, then done: an error streak (and most calls failed).
  'error-streak': ({ step }) =>
    step < 4
      ? { content: [tool('Bash', { command: `ls /missing-dir-${step}`, description: `List missing ${step}` })] }
      : { content: [text('Every command failed. Done: error-streak')] },

  // Twenty quick Bash calls in one answer, then done: history for the slow_tool rule.
  'many-calls': ({ step }) =>
    step === 0
      ? {
          content: Array.from({ length: 20 }, (_, i) =>
            tool('Bash', { command: `echo fast-${i}`, description: `Print ${i}` }),
          ),
        }
      : { content: [text('All twenty printed. Done: many-calls')] },

  // One Bash call that sleeps 8 s, then done: a slow call beside many-calls' quick ones (8 s: more than
  // three times the slowest of twenty parallel echos even on a loaded 2-core machine).
  'slow-once': ({ step }) =>
    step === 0
      ? { content: [tool('Bash', { command: 'sleep 8 && echo slept', description: 'Sleep 8 s' })] }
      : { content: [text('Slept 8 s. Done: slow-once')] },

  // One answer that reports 60,000 input tokens (about $0.18 at sonnet list price): a cost outlier.
  pricey: () => ({ content: [text('A costly answer. Done: pricey')], usage: { input_tokens: 60000 } }),

  'max-turns': ({ step }) => ({
    content: [
      text(`Calling again (step ${step}).`),
      tool('Bash', { command: 'echo again', description: 'Echo again' }),
    ],
  }),
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
