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
import { pathToFileURL } from 'node:url';
import { randId, sseEvents, sendJson, sendError } from './sse.mjs';
import {
  SCENARIOS,
  firstUserText,
  toolNames,
  cwdFromRequest,
  userTextTurns,
  systemText,
  usageFor,
  outputTokensFor,
} from './scenarios.mjs';

export { SCENARIO_NAMES } from './scenarios.mjs';

const MODEL_FALLBACK = 'claude-sonnet-4-5';

// ---------------------------------------------------------------------------------------------
// building the answer

function finalizeContent(content) {
  return content.map((b) =>
    b.type === 'tool_use' ? { type: 'tool_use', id: randId('toolu_'), name: b.name, input: b.input } : b,
  );
}

function buildMessage(body, plan, step, scenario) {
  const content = finalizeContent(plan.content);
  const usage = scenario
    ? { ...usageFor(step, outputTokensFor(content)), ...(plan.usage || {}) }
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

// ---------------------------------------------------------------------------------------------
// server

export async function startScriptedModel({ port = 0, host = '127.0.0.1', log = false } = {}) {
  const requests = [];
  const timers = new Set();
  const state = new Map(); // scenario memory across requests (e.g. "this conversation already got its 529")

  function plan(body) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const first = firstUserText(messages);
    const m = /\[scenario:([A-Za-z0-9_-]+)\]/.exec(first);
    const step = messages.filter((x) => x && x.role === 'assistant').length;
    const ctx = {
      step,
      messages,
      body,
      tools: toolNames(body),
      cwd: cwdFromRequest(body),
      turns: userTextTurns(messages),
      system: systemText(body),
      key: first,
      state,
    };
    if (m && SCENARIOS[m[1]]) return { scenario: m[1], step, plan: SCENARIOS[m[1]](ctx) };
    return { scenario: null, step, plan: { content: [{ type: 'text', text: 'OK.' }] } };
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
      if (log)
        process.stderr.write(
          `[scripted-model] ${req.method} ${req.url} scenario=${p.scenario} step=${p.step} stream=${!!body.stream}\n`,
        );

      if (p.plan.error) {
        entry.status = p.plan.error.status;
        return sendError(res, p.plan.error.status, p.plan.error.type, p.plan.error.message, p.plan.error.headers);
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
