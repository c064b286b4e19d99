// The contenders: the same fake query() unwrapped (the floor), wrapped by @sentrial/sdk delivering
// for real to our collector, and wrapped by each peer with its transport pointed at the local
// sink (never the network). Each adapter is what that peer's README tells a user to write.

import { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query as fakeQuery } from './workload.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);

export const CONTENDERS = ['floor', 'sentrial', 'langsmith', 'braintrust', 'openinference', 'posthog'];

export const LABELS = {
  floor: 'floor (unwrapped query())',
  sentrial: '@sentrial/sdk',
  langsmith: 'LangSmith',
  braintrust: 'Braintrust',
  openinference: 'Arize OpenInference',
  posthog: 'PostHog',
};

/** Package name and version of each contender, read from what is installed. */
export function versions() {
  const v = (p) => {
    try {
      return require(path.join(p, 'package.json')).version;
    } catch {
      return '?';
    }
  };
  const nm = path.join(here, '..', 'node_modules');
  return {
    floor: `@anthropic-ai/claude-agent-sdk ${v(path.join(nm, '@anthropic-ai/claude-agent-sdk'))} (replayed)`,
    sentrial: `@sentrial/sdk ${v(repoRoot)}`,
    langsmith: `langsmith ${v(path.join(nm, 'langsmith'))}`,
    braintrust: `braintrust ${v(path.join(nm, 'braintrust'))}`,
    openinference: `@arizeai/openinference-instrumentation-claude-agent-sdk ${v(path.join(nm, '@arizeai/openinference-instrumentation-claude-agent-sdk'))}`,
    posthog: `@posthog/ai ${v(path.join(nm, '@posthog/ai'))} + posthog-node ${v(path.join(nm, 'posthog-node'))}`,
  };
}

/**
 * Sets up one contender. Resolves to { name, query(params), flush(), stats?() }.
 * `env`: { collectorUrl, apiKey, sinkUrl, agent }.
 */
export async function setup(name, env) {
  switch (name) {
    case 'floor':
      return { name, query: fakeQuery, flush: async () => {} };

    case 'sentrial': {
      const { SentrialClient, wrapClaudeAgent } = require(repoRoot);
      const client = new SentrialClient({ apiKey: env.apiKey, apiUrl: env.collectorUrl, exitTimeoutMs: 0 });
      if (!client.enabled) throw new Error('@sentrial/sdk: tracking is off (no addon or no key)');
      const query = wrapClaudeAgent(fakeQuery, { client, defaultAgent: env.agent ?? 'bench', userId: 'bench-user' });
      return { name, query, client, flush: () => client.flush({ timeoutMs: 60_000 }), stats: () => client.stats() };
    }

    case 'langsmith': {
      process.env.LANGSMITH_TRACING = 'true';
      process.env.LANGSMITH_ENDPOINT = env.sinkUrl;
      process.env.LANGSMITH_API_KEY = 'lsv2_bench_dummy';
      const { Client } = await import('langsmith');
      const { wrapClaudeAgentSDK } = await import('langsmith/experimental/anthropic');
      const client = new Client({ apiUrl: env.sinkUrl, apiKey: 'lsv2_bench_dummy' });
      const sdk = wrapClaudeAgentSDK({ query: fakeQuery }, { client, tracingEnabled: true, project_name: 'bench' });
      return { name, query: sdk.query, flush: () => client.awaitPendingTraceBatches() };
    }

    case 'braintrust': {
      const bt = await import('braintrust');
      const logger = bt.initLogger({
        projectName: 'bench',
        apiKey: 'bt-bench-dummy',
        appUrl: env.sinkUrl,
        asyncFlush: true,
      });
      const sdk = bt.wrapClaudeAgentSDK({ query: fakeQuery });
      return { name, query: sdk.query, flush: () => logger.flush() };
    }

    case 'openinference': {
      const { ClaudeAgentSDKInstrumentation } = await import('@arizeai/openinference-instrumentation-claude-agent-sdk');
      const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      const provider = new BasicTracerProvider({
        spanProcessors: [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: env.sinkUrl + '/v1/traces' }), {
            scheduledDelayMillis: 500,
            maxQueueSize: 100_000,
          }),
        ],
      });
      const instrumentation = new ClaudeAgentSDKInstrumentation({ tracerProvider: provider });
      const sdk = instrumentation.manuallyInstrument({ query: fakeQuery });
      return { name, query: sdk.query, flush: () => provider.forceFlush() };
    }

    case 'posthog': {
      register('./posthog-hooks.mjs', import.meta.url);
      const { PostHog } = await import('posthog-node');
      const { instrument } = await import('@posthog/ai/claude-agent-sdk');
      const ph = new PostHog('phc_bench_dummy', { host: env.sinkUrl, flushAt: 20, flushInterval: 500 });
      const processor = instrument({ client: ph, distinctId: 'bench-user' });
      return { name, query: (params) => processor.query(params), flush: () => ph.flush() };
    }

    default:
      throw new Error('unknown contender ' + name);
  }
}
