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
    return { input_tokens: 120, cache_creation_input_tokens: 2400, cache_read_input_tokens: 0, output_tokens: outputTokens };
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
  for (const b of content) chars += b.type === 'text' ? b.text.length : JSON.stringify(b.input).length + b.name.length;
  return 8 + Math.ceil(chars / 4);
}

const text = (t) => ({ type: 'text', text: t });
const tool = (name, input) => ({ type: 'tool_use', name, input });

// ---------------------------------------------------------------------------------------------
// scenarios: (ctx) => { content: [...blocks], stop_reason?, error?: {status, type, message}, slow?: {...} }
// ctx = { step, messages, body, tools, cwd, turns }

function agentToolName(ctx) {
  if (ctx.tools.includes('Agent')) return 'Agent';
  if (ctx.tools.includes('Task')) return 'Task';
  return 'Agent';
}

export const SCENARIOS = {
  hello: () => ({ content: [text('Hello from the scripted model. Done: hello')] }),

  'tool-success': ({ step }) =>
    step === 0
      ? { content: [text('I will run a command.'), tool('Bash', { command: 'echo hello-from-bash', description: 'Print a greeting' })] }
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
    if (notified || ctx.step >= 2) return { content: [text('The background sub-agent reported back. Done: background-subagent')] };
    return { content: [text('The sub-agent is running in the background; waiting for it.')] };
  },

  'api-error': () => ({
    error: { status: 400, type: 'invalid_request_error', message: 'scripted-model: this request is invalid (api-error scenario)' },
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

  'max-turns': ({ step }) => ({
    content: [text(`Calling again (step ${step}).`), tool('Bash', { command: 'echo again', description: 'Echo again' })],
  }),
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

