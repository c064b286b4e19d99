// An HTTP server that runs many agents at once, for many users: each request is one tracked run
// with its own userId, all sharing one SentrialClient (one per process is enough; its delivery
// thread batches every session). On SIGTERM/SIGINT it stops accepting requests and flushes.
//
//   SENTRIAL_API_KEY=<key> PORT=3000 node examples/server.mjs
//   curl -X POST localhost:3000/ask -H 'x-user-id: alice' -d '{"prompt":"hello"}'

import http from 'node:http';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';

const sentrial = new SentrialClient();

async function ask(userId, prompt) {
  const trackedQuery = wrapClaudeAgent(query, {
    client: sentrial,
    defaultAgent: 'support-agent',
    userId,
    extraMetadata: { service: 'example-server' },
  });
  for await (const m of trackedQuery({ prompt, options: { maxTurns: 5, allowedTools: ['Read', 'Glob'] } })) {
    if (m.type === 'result') return { ok: !m.is_error, answer: m.subtype === 'success' ? m.result : m.subtype };
  }
  return { ok: false, answer: null };
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/ask') {
    res.writeHead(404).end();
    return;
  }
  try {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { prompt } = JSON.parse(body);
    const userId = String(req.headers['x-user-id'] ?? 'anonymous');
    const result = await ask(userId, prompt);
    res.writeHead(result.ok ? 200 : 502, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  } catch (err) {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: String(err && err.message) }));
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    sentrial.shutdown({ timeoutMs: 5000 }).then(() => process.exit(0));
  });
}
