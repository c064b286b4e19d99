// One command, end to end: starts the collector on its embedded SQLite store, runs a tracked
// Claude agent through wrapClaudeAgent, and prints the session the collector recorded.
//
// With ANTHROPIC_API_KEY set, the agent talks to the real Claude API. Without it, the model is
// answered by the scripted local server in tools/scripted-model (the real SDK and CLI still run).

import { query } from '@anthropic-ai/claude-agent-sdk';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollector, startScriptedModel } from '../__test__/support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');

const online = Boolean(process.env.ANTHROPIC_API_KEY);
const work = mkdtempSync(path.join(tmpdir(), 'sentrial-demo-'));
writeFileSync(path.join(work, 'notes.txt'), 'Sentrial demo: remember the milk.\n');
writeFileSync(path.join(work, 'todo.txt'), '1. fix the failing tests\n2. ship it\n');

const apiKey = 'demo-' + randomBytes(12).toString('hex');
const collector = await startCollector({ apiKey, db: path.join(work, 'sentrial.db') });
console.log(`collector: ${collector.url} (SQLite at ${collector.dbPath})`);

let model = null;
const env = { ...process.env };
if (online) {
  console.log('model: the real Claude API (ANTHROPIC_API_KEY is set)');
} else {
  model = await startScriptedModel();
  console.log(`model: OFFLINE — ANTHROPIC_API_KEY is not set, so a scripted local server (${model.url}) answers`);
  console.log('       as Claude would; the real Agent SDK and Claude Code CLI still run and really execute the tools.');
  Object.assign(env, {
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'sk-ant-offline-demo',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: path.join(work, '.claude'),
    CLAUDE_CODE_TMPDIR: path.join(work, '.claude'),
  });
}

const sentrial = new SentrialClient({ apiKey, apiUrl: collector.url });
const trackedQuery = wrapClaudeAgent(query, {
  client: sentrial,
  defaultAgent: 'demo-agent',
  userId: 'user-123',
  convoId: 'convo-demo',
  extraMetadata: { environment: 'demo', version: '1.2.0' },
});

const prompt = online
  ? 'List the .txt files in this directory with Glob, read notes.txt, run `wc -l todo.txt` with Bash, then summarize in one sentence.'
  : '[scenario:parallel-tools] List the files here, read notes.txt and count lines.';
console.log(`\nprompt: ${prompt}\n`);

let failed = null;
try {
  for await (const message of trackedQuery({
    prompt,
    options: {
      cwd: work,
      maxTurns: 10,
      permissionMode: 'default',
      allowedTools: ['Bash', 'Read', 'Glob'],
      settingSources: [],
      env,
      ...(online ? {} : { model: 'claude-sonnet-4-5' }),
    },
  })) {
    if (message.type === 'assistant') {
      for (const block of message.message.content) {
        if (block.type === 'tool_use') console.log(`  → ${block.name} ${JSON.stringify(block.input)}`);
        if (block.type === 'text') console.log(`  ${block.text}`);
      }
    } else if (message.type === 'result') {
      console.log(`  [result: ${message.subtype}, $${Number(message.total_cost_usd ?? 0).toFixed(6)}]`);
    }
  }
} catch (err) {
  failed = err;
  console.error(`the agent run failed: ${err.message}`);
}

const flushed = await sentrial.flush({ timeoutMs: 5000 });
const { sessions } = await collector.get('/api/sessions?limit=1');
const session = sessions.length ? await collector.get(`/api/sessions/${sessions[0].id}`) : null;

if (session) {
  console.log('\nThe session the collector recorded:');
  console.log(
    `  id ${session.id}   status ${session.status}   agent ${session.agent}   user ${session.user_id}   convo ${session.convo_id}`,
  );
  console.log(`  model ${session.model}   duration ${session.duration_ms} ms (API ${session.api_duration_ms} ms)`);
  console.log(
    `  tokens ${session.total_tokens} (prompt ${session.prompt_tokens}, completion ${session.completion_tokens}, ` +
      `cache read ${session.cache_read_tokens}, cache write ${session.cache_creation_tokens})   cost $${session.cost_usd.toFixed(6)}`,
  );
  console.log(`  output: ${session.output}`);
  console.log(`  tool calls:`);
  for (const c of session.tool_calls) {
    console.log(
      `    ${c.seq}. ${c.tool_name} [${c.status}] ${c.tool_use_id} ${JSON.stringify(c.input)} (${c.duration_ms ?? '?'} ms)`,
    );
  }
  console.log('\nAs JSON (GET /api/sessions/:id):');
  console.log(JSON.stringify(session, null, 2));
} else {
  console.error('no session was recorded');
}
console.log(`\ndelivery: ${JSON.stringify(sentrial.stats())}; flush ${JSON.stringify(flushed)}`);

await sentrial.shutdown({ timeoutMs: 2000 });
await model?.close();
await collector.stop();
rmSync(work, { recursive: true, force: true });
process.exitCode = session && !failed && session.status === 'completed' ? 0 : 1;
