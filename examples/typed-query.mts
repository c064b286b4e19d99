// TypeScript: trackedQuery has exactly query's type. Its messages are the SDK's own SDKMessage and
// what it returns is the SDK's Query, with interrupt(), setModel(), ... available.
//
//   npx tsc --strict --module nodenext --outDir dist examples/typed-query.mts && node dist/typed-query.mjs
//
// The type assertions below are checked by the package's install test (`tsc --strict`): they fail
// to compile if trackedQuery, its messages or its control methods ever degrade to `any`.

import * as sdk from '@anthropic-ai/claude-agent-sdk';
import { query, type Query, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { SentrialClient, wrapClaudeAgent, wrapClaudeAgentSDK, type FlushResult } from '@sentrial/sdk';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

const sentrial = new SentrialClient({ apiKey: process.env.SENTRIAL_API_KEY, flushIntervalMs: 250 });
const trackedQuery = wrapClaudeAgent(query, {
  client: sentrial,
  defaultAgent: 'typed-agent',
  userId: 'ts-user',
  extraMetadata: { language: 'typescript' },
});

type _SameAsQuery = Assert<Equals<typeof trackedQuery, typeof query>>;

// The whole module, with startup() and prewarm() tracked too, keeps the module's type.
const trackedSdk = wrapClaudeAgentSDK(sdk, { client: sentrial, defaultAgent: 'typed-agent' });
type _SameAsModule = Assert<Equals<typeof trackedSdk, typeof sdk>>;

/** Never called: what the types refuse. */
export function refused() {
  // @ts-expect-error startup() starts runs without query(): wrapClaudeAgentSDK tracks it.
  wrapClaudeAgent(sdk.startup, { client: sentrial });
  // @ts-expect-error neither is any other function of the SDK a query.
  wrapClaudeAgent(sdk.listSessions, { client: sentrial });
}

/** Runs one prompt; interrupts the agent if it takes longer than `timeoutMs`. */
export async function ask(prompt: string, timeoutMs = 120_000): Promise<string | null> {
  const q = trackedQuery({ prompt, options: { maxTurns: 3 } });
  type _ReturnsQuery = Assert<Equals<typeof q, Query>>;
  type _InterruptNotAny = Assert<IsAny<typeof q.interrupt> extends false ? true : false>;
  type _InterruptIsQuerys = Assert<Equals<typeof q.interrupt, Query['interrupt']>>;
  const timer = setTimeout(() => void q.interrupt(), timeoutMs);
  let answer: string | null = null;
  try {
    for await (const m of q) {
      type _MessageNotAny = Assert<IsAny<typeof m> extends false ? true : false>;
      type _MessageIsSDKMessage = Assert<Equals<typeof m, SDKMessage>>;
      const message: SDKMessage = m;
      if (message.type === 'result' && message.subtype === 'success') answer = message.result;
    }
  } finally {
    clearTimeout(timer);
  }
  return answer;
}

const answer = await ask(process.argv[2] ?? 'Say hello in five words.');
const flushed: FlushResult = await sentrial.flush();
console.log(JSON.stringify({ answer, delivered: flushed.delivered, pending: flushed.pending }));
