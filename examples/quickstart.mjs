// Quick start: one tracked agent run, delivered to the collector before the process exits.
//
//   npx sentrial serve                      # in another terminal; prints an API key once
//   SENTRIAL_API_KEY=<key> ANTHROPIC_API_KEY=<yours> node examples/quickstart.mjs "What is in this directory?"
//
// Env: SENTRIAL_API_KEY (required for tracking), SENTRIAL_API_URL (default http://127.0.0.1:7878).

import { query } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';

const sentrial = new SentrialClient(); // reads SENTRIAL_API_KEY and SENTRIAL_API_URL
const trackedQuery = wrapClaudeAgent(query, {
  client: sentrial,
  defaultAgent: 'quickstart',
  userId: process.env.USER_ID ?? 'user-123',
  extraMetadata: { environment: 'example' },
});

const prompt = process.argv[2] ?? 'List the files in the current directory and say how many there are.';

for await (const message of trackedQuery({
  prompt,
  options: { maxTurns: 5, allowedTools: ['Bash', 'Read', 'Glob'] },
})) {
  if (message.type === 'assistant') {
    for (const block of message.message.content) {
      if (block.type === 'text') console.log(block.text);
      if (block.type === 'tool_use') console.log(`→ ${block.name} ${JSON.stringify(block.input)}`);
    }
  } else if (message.type === 'result') {
    console.log(
      `[${message.subtype}] ${message.num_turns} turns, $${Number(message.total_cost_usd ?? 0).toFixed(4)}, session ${message.session_id}`,
    );
  }
}

// A short-lived process must flush before it exits: delivery runs in the background.
const { delivered, pending } = await sentrial.flush();
console.log(`sentrial: ${delivered} events delivered, ${pending} pending`);
