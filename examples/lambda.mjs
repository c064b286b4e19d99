// AWS Lambda handler. The client lives at module scope (created once per cold start, reused while
// the container is warm); the handler awaits flush() before returning, because Lambda freezes the
// process as soon as the handler's promise settles and anything still queued would wait, or be lost.
//
// Deploy with SENTRIAL_API_KEY and SENTRIAL_API_URL in the function's environment. Event:
//   { "prompt": "...", "userId": "..." }

import { query } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';

const sentrial = new SentrialClient();

export async function handler(event) {
  const trackedQuery = wrapClaudeAgent(query, {
    client: sentrial,
    defaultAgent: 'lambda-agent',
    userId: event.userId ?? 'anonymous',
    extraMetadata: { requestId: event.requestId },
  });
  let answer = null;
  let isError = false;
  try {
    for await (const m of trackedQuery({
      prompt: event.prompt,
      options: { maxTurns: 5, allowedTools: ['Read', 'Glob'] },
    })) {
      if (m.type === 'result') {
        isError = m.is_error;
        answer = m.subtype === 'success' ? m.result : m.subtype;
      }
    }
  } catch (err) {
    isError = true;
    answer = String(err && err.message);
  } finally {
    // Bounded: resolves within the timeout even if the collector is down, so the function still returns.
    await sentrial.flush({ timeoutMs: 3000 });
  }
  return { statusCode: isError ? 500 : 200, body: JSON.stringify({ answer }) };
}
