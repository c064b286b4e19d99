// How many stored inputs (messages and hook payloads the wrapper hands to the core) the real SDK
// delivers per macrotask, running its CLI against the scripted model: `node bench/macrotasks.mjs`.
// It decides whether handing over one native call per macrotask instead of per message could pay.
import { query } from '@anthropic-ai/claude-agent-sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScriptedModel } from '../__test__/support/harness.mjs';
const work = mkdtempSync(path.join(tmpdir(), 'permacro-'));
writeFileSync(path.join(work, 'notes.txt'), 'hello\n');
const model = await startScriptedModel();
const env = {
  ...process.env,
  ANTHROPIC_BASE_URL: model.url,
  ANTHROPIC_API_KEY: 'sk-ant-offline',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  CLAUDE_CONFIG_DIR: path.join(work, '.claude'),
  CLAUDE_CODE_TMPDIR: path.join(work, '.claude'),
};
// The messages the wrapper stores (lib/wrap.js observe()).
const stored = (m) =>
  m.type === 'assistant' ||
  m.type === 'result' ||
  (m.type === 'user' && Array.isArray(m.message?.content) && m.message.content.some((b) => b.type === 'tool_result')) ||
  (m.type === 'stream_event' && m.event?.type === 'message_delta') ||
  (m.type === 'system' && m.subtype === 'init');
const batches = [];
let cur = null;
for (const partial of [false, true]) {
  for await (const m of query({
    prompt: '[scenario:parallel-tools] List the files here, read notes.txt and count lines.',
    options: {
      cwd: work,
      maxTurns: 10,
      allowedTools: ['Bash', 'Read', 'Glob'],
      settingSources: [],
      env,
      model: 'claude-sonnet-4-5',
      includePartialMessages: partial,
      hooks: {
        PostToolUse: [
          {
            hooks: [
              async () => {
                if (!cur) {
                  cur = { all: 0, stored: 0 };
                  setImmediate(() => {
                    batches.push(cur);
                    cur = null;
                  });
                }
                cur.stored++;
                cur.all++;
                return {};
              },
            ],
          },
        ],
      },
    },
  })) {
    if (!cur) {
      cur = { all: 0, stored: 0 };
      setImmediate(() => {
        batches.push(cur);
        cur = null;
      });
    }
    cur.all++;
    if (stored(m)) cur.stored++;
  }
  await new Promise((r) => setImmediate(r));
  const hist = {};
  for (const b of batches) if (b.stored) hist[b.stored] = (hist[b.stored] ?? 0) + 1;
  console.log(
    `includePartialMessages=${partial}: macrotasks with stored inputs, by how many they carry:`,
    JSON.stringify(hist),
    'macrotasks total',
    batches.length,
  );
  batches.length = 0;
}
await model.stop?.();
process.exit(0);
