// Conversation threading: two runs of one conversation. The second resumes the Claude session of
// the first; both are tracked under the same convoId, so the collector lists them as one thread:
//   GET /api/sessions?convo_id=<convoId>
//
//   SENTRIAL_API_KEY=<key> node examples/threading.mjs [convoId]

import { query } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';

const sentrial = new SentrialClient();
const convoId = process.argv[2] ?? `convo-${Date.now()}`;
// One wrapper per conversation (wrapping is cheap): every run through it carries this convoId.
const trackedQuery = wrapClaudeAgent(query, {
  client: sentrial,
  defaultAgent: 'threading',
  userId: 'user-42',
  convoId,
});

async function turn(prompt, resume) {
  let sessionId;
  let answer;
  for await (const m of trackedQuery({ prompt, options: { maxTurns: 3, ...(resume ? { resume } : {}) } })) {
    if (m.type === 'system' && m.subtype === 'init') sessionId = m.session_id;
    if (m.type === 'result') answer = m.subtype === 'success' ? m.result : m.subtype;
  }
  return { sessionId, answer };
}

const first = await turn(process.env.FIRST_PROMPT ?? 'Pick a number between 1 and 10 and remember it.');
console.log(`turn 1: ${first.answer}`);
const second = await turn(process.env.SECOND_PROMPT ?? 'Which number did you pick?', first.sessionId);
console.log(`turn 2: ${second.answer}`);

await sentrial.flush();
console.log(JSON.stringify({ convoId, claudeSessionIds: [first.sessionId, second.sessionId] }));
