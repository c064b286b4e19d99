// TypeScript: the manual session API's types, exact. Each call below compiles under `tsc --strict`,
// and each `@ts-expect-error` line is a mistake the types refuse (an unused directive is itself an
// error, so the types cannot silently loosen to `any`). Checked by the package's install test, then
// run against the collector.
//
//   npx tsc --strict --module nodenext --outDir dist examples/typed-manual.mts && node dist/typed-manual.mjs

import { SentrialClient, type SentrialRun } from '@sentrial/sdk';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

const sentrial = new SentrialClient({ apiKey: process.env.SENTRIAL_API_KEY, failSilently: false });

const sessionId = await sentrial.createSession({ name: 'typed', agentName: 'typed-manual', userId: 'ts-user' });
type _IdOrNull = Assert<Equals<typeof sessionId, string | null>>;
if (sessionId === null) throw new Error('tracking is off: set SENTRIAL_API_KEY');

const tracked = sentrial.trackToolCall({ sessionId, toolName: 'search', toolInput: { q: 'ts' }, durationMs: 3 });
type _ReturnsNothing = Assert<Equals<typeof tracked, void>>;
sentrial.trackDecision({ sessionId, reasoning: 'typed', alternatives: ['a', 'b'], chosen: 'a' });
sentrial.trackError({ sessionId, error: new Error('typed error'), context: { where: 'example' } });
sentrial.trackLLMCall({ sessionId, model: 'claude-haiku-4-5', promptTokens: 10, completionTokens: 2 });
const done: Promise<void> = sentrial.completeSession({ sessionId, customMetrics: { quality: 5 } });
await done;

const run: SentrialRun = sentrial.begin({ userId: 'ts-user', event: 'typed-manual', input: 'hi' });
type _RunId = Assert<Equals<typeof run.sessionId, string | null>>;
run.trackToolCall({ toolName: 'lookup' });
await run.finish({ output: 'ok', success: true });

/** Never called: what the types refuse. */
export function refused() {
  // @ts-expect-error agentName is required.
  void sentrial.createSession({ name: 'n', userId: 'u' });
  // @ts-expect-error toolName is a string.
  sentrial.trackToolCall({ sessionId: 's', toolName: 1 });
  // @ts-expect-error a decision needs its reasoning.
  sentrial.trackDecision({ sessionId: 's' });
  // @ts-expect-error custom metrics are numbers.
  void sentrial.completeSession({ sessionId: 's', customMetrics: { nps: 'high' } });
  // @ts-expect-error a run's steps carry no sessionId of their own.
  run.trackDecision({ sessionId: 's', reasoning: 'r' });
  // @ts-expect-error begin names the agent with `event`.
  sentrial.begin({ userId: 'u', agentName: 'a' });
}

const { pending } = await sentrial.flush();
console.log(JSON.stringify({ sessionId, run: run.sessionId, pending, tracked: tracked === undefined }));
