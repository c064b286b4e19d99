// A route handler for platforms with waitUntil (Vercel Functions, Cloudflare-style fetch handlers,
// Netlify): the response goes out as soon as the agent is done, and the delivery of the session is
// handed to ctx.waitUntil(), which keeps the function alive until it settles.
//
// On Vercel with the Node runtime: `import { waitUntil } from '@vercel/functions'` and call
// waitUntil(sentrial.flush()) the same way. The Agent SDK spawns the Claude Code CLI, so the runtime
// must be Node.js (not an edge/isolate runtime).

import { query } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';

const sentrial = new SentrialClient();

export default {
  async fetch(request, ctx) {
    if (request.method !== 'POST') return new Response('POST {"prompt", "userId"}', { status: 405 });
    const { prompt, userId } = await request.json();
    const trackedQuery = wrapClaudeAgent(query, { client: sentrial, defaultAgent: 'route-agent', userId });
    let answer = null;
    try {
      for await (const m of trackedQuery({ prompt, options: { maxTurns: 5 } })) {
        if (m.type === 'result') answer = m.subtype === 'success' ? m.result : m.subtype;
      }
    } finally {
      // Not awaited here: the platform keeps the function alive until the flush settles.
      ctx.waitUntil(sentrial.flush({ timeoutMs: 5000 }));
    }
    return Response.json({ answer });
  },
};
