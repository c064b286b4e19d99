#!/usr/bin/env node
// Scripted Anthropic Messages API server for offline tests of the real Claude Agent SDK / Claude Code CLI.
// Node built-ins only. See README.md in this folder for the scenario list and findings.
//
//   import { startScriptedModel } from './tools/scripted-model/server.mjs'
//   const model = await startScriptedModel()          // { url, port, requests, close() }
//   env ANTHROPIC_BASE_URL = model.url
//
// Scenario: the FIRST user message of a request contains `[scenario:NAME]` (any text block).
// Step: the number of assistant messages already in `messages`.

import http from 'node:http';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

const MODEL_FALLBACK = 'claude-sonnet-4-5';

// ---------------------------------------------------------------------------------------------
// helpers

function randId(prefix) {
  // 24 base62-ish chars, like real ids (msg_01..., toolu_01...)
  return prefix + '01' + crypto.randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

function blockTexts(content) {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out = [];
  for (const b of content) {
    if (b && b.type === 'text' && typeof b.text === 'string') out.push(b.text);
  }
  return out;
}

function firstUserText(messages) {
  const first = (messages || []).find((m) => m && m.role === 'user');
  return first ? blockTexts(first.content).join('\n') : '';
}

function isToolResultOnly(m) {
  return Array.isArray(m.content) && m.content.length > 0 && m.content.every((b) => b && b.type === 'tool_result');
}

// Number of "real" user text turns: user messages carrying text that is not only system reminders,
// and not only tool results.
function userTextTurns(messages) {
  let n = 0;
  for (const m of messages || []) {
    if (!m || m.role !== 'user' || isToolResultOnly(m)) continue;
    const texts = blockTexts(m.content).filter((t) => !/^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/.test(t));
    if (texts.some((t) => t.trim().length > 0)) n++;
  }
  return n;
}

function systemText(body) {
  if (typeof body.system === 'string') return body.system;
  if (Array.isArray(body.system)) return body.system.map((b) => (b && b.text) || '').join('\n');
  return '';
}

function toolNames(body) {
  return Array.isArray(body.tools) ? body.tools.map((t) => t && t.name).filter(Boolean) : [];
}

// The CLI states the cwd as "Primary working directory: /path" (in a <system-reminder> text block of the
// first user message in this version; older versions put it in the system prompt).
// CLIs that state it nowhere (0.2.x SDKs) get it from a `[cwd:/path]` marker in the prompt.
function cwdFromRequest(body) {
  const first = firstUserText(body.messages);
  const marked = /\[cwd:([^\]\s]+)\]/.exec(first);
  if (marked) return marked[1];
  const hay = systemText(body) + '\n' + first;
  const m = /[Ww]orking directory:\s*(\S+)/.exec(hay);
  return m ? m[1] : null;
}

// Deterministic usage per (scenario, step). Step 0 writes the prompt cache, later steps read it.
function usageFor(step, outputTokens) {
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

function outputTokensFor(content) {
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

const SCENARIOS = {
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

// ---------------------------------------------------------------------------------------------
// response writers

function finalizeContent(content) {
  return content.map((b) => (b.type === 'tool_use' ? { type: 'tool_use', id: randId('toolu_'), name: b.name, input: b.input } : b));
}

function buildMessage(body, plan, step, scenario) {
  const content = finalizeContent(plan.content);
  const usage = scenario
    ? usageFor(step, outputTokensFor(content))
    : { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 }; // side calls
  const hasTool = content.some((b) => b.type === 'tool_use');
  return {
    id: randId('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model || MODEL_FALLBACK,
    content,
    stop_reason: plan.stop_reason || (hasTool ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage,
  };
}

function chunkText(s, size = 24) {
  const out = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [''];
}

function sseEvents(msg, slow) {
  const events = [];
  const startUsage = { ...msg.usage, output_tokens: 1 };
  events.push(['message_start', { type: 'message_start', message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } }]);
  msg.content.forEach((b, index) => {
    if (b.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      const pieces = slow ? b.text.split(/(?<= )/) : chunkText(b.text);
      for (const p of pieces) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } }]);
    } else if (b.type === 'tool_use') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }]);
      const json = JSON.stringify(b.input);
      for (const p of chunkText(json, 40)) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } }]);
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

function sendJson(res, status, obj) {
  const s = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': randId('req_'), 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

function sendError(res, status, type, message) {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: randId('req_') });
}

// ---------------------------------------------------------------------------------------------
// server

export async function startScriptedModel({ port = 0, host = '127.0.0.1', log = false } = {}) {
  const requests = [];
  const timers = new Set();

  function plan(body) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const first = firstUserText(messages);
    const m = /\[scenario:([A-Za-z0-9_-]+)\]/.exec(first);
    const step = messages.filter((x) => x && x.role === 'assistant').length;
    const ctx = { step, messages, body, tools: toolNames(body), cwd: cwdFromRequest(body), turns: userTextTurns(messages) };
    if (m && SCENARIOS[m[1]]) return { scenario: m[1], step, plan: SCENARIOS[m[1]](ctx) };
    return { scenario: null, step, plan: { content: [text('OK.')] } };
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const url = new URL(req.url, 'http://x');
      const entry = { method: req.method, path: req.url, body, scenario: null, step: null, status: null };
      requests.push(entry);

      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
        entry.status = 200;
        const n = Math.max(1, Math.ceil(raw.length / 4));
        return sendJson(res, 200, { input_tokens: n });
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/messages' || !body || typeof body !== 'object') {
        entry.status = 404;
        return sendError(res, 404, 'not_found_error', `scripted-model: no route for ${req.method} ${url.pathname}`);
      }

      const p = plan(body);
      entry.scenario = p.scenario;
      entry.step = p.step;
      if (log) process.stderr.write(`[scripted-model] ${req.method} ${req.url} scenario=${p.scenario} step=${p.step} stream=${!!body.stream}\n`);

      if (p.plan.error) {
        entry.status = p.plan.error.status;
        return sendError(res, p.plan.error.status, p.plan.error.type, p.plan.error.message);
      }

      const msg = buildMessage(body, p.plan, p.step, p.scenario);
      entry.status = 200;
      entry.response = msg;
      if (!body.stream) return sendJson(res, 200, msg);

      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'request-id': randId('req_'),
      });
      const events = sseEvents(msg, !!p.plan.slow);
      const write = ([event, data]) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (!p.plan.slow) {
        for (const e of events) write(e);
        return res.end();
      }
      // Slow stream: one event per interval. Stop on client disconnect or close().
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || res.writableEnded) return stop();
        // send the structural events quickly, pace only the text deltas
        do {
          write(events[i++]);
        } while (i < events.length && events[i - 1][0] !== 'content_block_delta');
        if (i >= events.length) {
          stop();
          res.end();
        }
      }, p.plan.slow.intervalMs);
      function stop() {
        clearInterval(timer);
        timers.delete(timer);
      }
      timers.add(timer);
      res.on('close', stop);
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  const url = `http://${host}:${actualPort}`;

  return {
    url,
    port: actualPort,
    requests,
    close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// CLI
if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  const m = await startScriptedModel({ port, log: true });
  console.log(`scripted model listening on ${m.url}`);
  const shutdown = () => m.close().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
