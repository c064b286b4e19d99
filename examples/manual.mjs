// An agent loop written by hand on the raw Messages API (no agent framework), tracked with the
// manual session API: every model call, tool call, decision and error is reported, and the
// session ends with its output and a custom metric.
//
//   npx sentrial serve                      # in another terminal; prints an API key once
//   SENTRIAL_API_KEY=<key> ANTHROPIC_API_KEY=<yours> node examples/manual.mjs "What is the weather in Paris?"
//
// Env: SENTRIAL_API_KEY, SENTRIAL_API_URL (default http://127.0.0.1:7878), ANTHROPIC_API_KEY,
// ANTHROPIC_BASE_URL (default https://api.anthropic.com), ANTHROPIC_MODEL.

import { SentrialClient } from '@sentrial/sdk';

const sentrial = new SentrialClient(); // reads SENTRIAL_API_KEY and SENTRIAL_API_URL
const baseUrl = process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com';
const model = process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5';
const prompt = process.argv[2] ?? 'What is the weather in Paris?';

// The agent's own tools: what the model may call, and how each runs.
const tools = {
  get_weather: {
    description: 'The current weather of a city.',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    run: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
  },
};

async function callModel(messages) {
  const started = Date.now();
  const res = await fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': process.env.ANTHROPIC_API_KEY ?? '',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model,
      max_tokens: 1024,
      messages,
      tools: Object.entries(tools).map(([name, t]) => ({
        name,
        description: t.description,
        input_schema: t.input_schema,
      })),
    }),
  });
  if (!res.ok) throw new Error(`the model answered ${res.status}: ${await res.text()}`);
  return { reply: await res.json(), durationMs: Date.now() - started };
}

const run = sentrial.begin({
  userId: process.env.USER_ID ?? 'user-123',
  event: 'weather-agent',
  input: prompt,
  metadata: { version: '1.0.0', environment: 'example' },
});

const messages = [{ role: 'user', content: prompt }];
let answer = '';
let turns = 0;
try {
  for (; turns < 5; turns++) {
    const { reply, durationMs } = await callModel(messages);
    const said = reply.content
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('');
    // No cost given: the session's is estimated from the pricing table for Claude models.
    run.trackLLMCall({
      model: reply.model,
      promptTokens: reply.usage.input_tokens,
      completionTokens: reply.usage.output_tokens,
      cacheReadTokens: reply.usage.cache_read_input_tokens ?? 0,
      cacheCreationTokens: reply.usage.cache_creation_input_tokens ?? 0,
      input: JSON.stringify(messages.at(-1).content),
      output: said,
      durationMs,
    });
    messages.push({ role: 'assistant', content: reply.content });
    const calls = reply.content.filter((b) => b.type === 'tool_use');
    if (calls.length === 0) {
      answer = said;
      break;
    }
    run.trackDecision({
      reasoning: `the model asked for ${calls.map((c) => c.name).join(', ')}`,
      alternatives: ['answer from memory', 'call the tools'],
      chosen: 'call the tools',
    });
    const results = [];
    for (const call of calls) {
      const started = Date.now();
      try {
        const output = await tools[call.name].run(call.input);
        run.trackToolCall({
          toolName: call.name,
          toolInput: call.input,
          toolOutput: output,
          toolUseId: call.id,
          durationMs: Date.now() - started,
        });
        results.push({ type: 'tool_result', tool_use_id: call.id, content: JSON.stringify(output) });
      } catch (err) {
        run.trackToolCall({ toolName: call.name, toolInput: call.input, toolError: err, toolUseId: call.id });
        run.trackError({ error: err, context: { tool: call.name } });
        results.push({ type: 'tool_result', tool_use_id: call.id, content: String(err), is_error: true });
      }
    }
    messages.push({ role: 'user', content: results });
  }
  console.log(answer);
  await run.finish({ output: answer, success: answer !== '', customMetrics: { turns: turns + 1 } });
} catch (err) {
  run.trackError({ error: err });
  await run.finish({ success: false, failureReason: String(err.message ?? err) });
  process.exitCode = 1;
}

// A short-lived process must flush before it exits: delivery runs in the background.
const { delivered, pending } = await sentrial.flush();
console.log(`sentrial: session ${run.sessionId}, ${delivered} events delivered, ${pending} pending`);
