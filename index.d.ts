// Type definitions for @sentrial/sdk.

/** Settings of a {@link SentrialClient}. */
export interface SentrialClientOptions {
  /**
   * Key for the collector. Defaults to env `SENTRIAL_API_KEY`; without one, tracking is off, unless
   * `otlp` is set (then sessions go to the OTLP endpoint only).
   */
  apiKey?: string;
  /** Base URL of the collector. Defaults to env `SENTRIAL_API_URL`, then `http://127.0.0.1:7878`. */
  apiUrl?: string;
  /** Longest time an event waits before its batch is sent, in ms. Default 500. */
  flushIntervalMs?: number;
  /** Most events held in memory before new ones are dropped (and counted). Default 10,000. */
  maxQueueEvents?: number;
  /** Timeout of one request to the collector, in ms. Default 10,000. */
  requestTimeoutMs?: number;
  /**
   * Longest wait, in ms, for pending events to be delivered when the process exits (the event loop
   * empties, `process.exit()`, SIGTERM, SIGINT). Default 2000; 0 turns delivery at exit off.
   */
  exitTimeoutMs?: number;
  /**
   * Directory where events are also written until the collector has them, so they are sent after a
   * restart or a crash. Defaults to env `SENTRIAL_SPOOL_DIR`; unset keeps events in memory only. A
   * full or read-only disk falls back to memory (counted in `stats().spoolErrors`).
   */
  spoolDir?: string;
  /**
   * Secret redaction, on by default: provider keys and tokens, private keys, JWTs, Authorization
   * values, passwords in URLs, and values under keys named like password/secret/token/api_key are
   * replaced by `[REDACTED:<kind>]` before anything is queued (docs/security.md). `false` turns it
   * off (the 256 KiB text cap still applies).
   */
  redact?: boolean | RedactOptions;
  /**
   * What of a session is kept: `'full'` (default), `'no_inputs'` (no prompt, user turns or tool
   * inputs), `'no_outputs'` (no tool outputs or errors, no final text), `'metadata_only'` (counts,
   * timings, tokens and cost only).
   */
  privacy?: 'full' | 'no_inputs' | 'no_outputs' | 'metadata_only';
  /**
   * Sessions also exported as OTLP/HTTP traces (OpenTelemetry GenAI conventions) to any OTel
   * backend, after redaction and the privacy mode. `true` takes everything from the standard
   * environment variables (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
   * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
   * `OTEL_SERVICE_NAME`); an object's fields win over them. A wrong field is a TypeError.
   */
  otlp?: boolean | OtlpOptions;
  /**
   * What a misuse of the manual session API does (no `sessionId`, a completed session, a wrong
   * type): `true` (default) ignores the call, counts it in `stats().misuses` and warns once;
   * `false` (for development) throws a `TypeError` at the call. Network failures never throw.
   */
  failSilently?: boolean;
}

/** Settings of the OTLP/HTTP trace export. */
export interface OtlpOptions {
  /**
   * Base URL of the OTLP/HTTP receiver, e.g. `http://localhost:4318`; spans go to
   * `{endpoint}/v1/traces` (a URL already ending with `/v1/traces` is used as is).
   */
  endpoint?: string;
  /** Request headers, e.g. a backend's key (`{ 'x-honeycomb-team': '...' }`). Never logged. */
  headers?: Record<string, string>;
  /** `'http/protobuf'` (default, `application/x-protobuf`) or `'http/json'`. Bodies are gzip'd. */
  protocol?: 'http/protobuf' | 'http/json';
  /** The resource's `service.name`. Default env `OTEL_SERVICE_NAME`, then `'sentrial-agent'`. */
  serviceName?: string;
}

/** Settings of secret redaction. */
export interface RedactOptions {
  /** Default true. */
  enabled?: boolean;
  /**
   * Extra patterns, applied before the built-in ones. A string is a Rust `regex` pattern (no
   * look-around, no backreferences: an unsupported one is a TypeError at construction); a RegExp
   * keeps its `i`, `m`, `s` flags. The marker is `[REDACTED:custom]`, or `[REDACTED:<name>]`.
   */
  patterns?: Array<string | RegExp | { name?: string; pattern: string | RegExp }>;
  /**
   * Called with every string of a message, hook payload, prompt, user turn and metadata before
   * the built-in redaction; returns the text to keep. If it throws (or returns a non-string) the
   * text becomes `[REDACTED:redact_function_failed]` and `stats().faults` counts it.
   */
  fn?: (text: string) => string;
  /**
   * PII redaction, off by default: `true` replaces e-mail addresses, phone numbers, card numbers
   * (Luhn-checked), US social security numbers and IP addresses by `[REDACTED:email]`,
   * `[REDACTED:phone]`, `[REDACTED:card]`, `[REDACTED:ssn]`, `[REDACTED:ip]`; an object picks the
   * kinds and the mode. Applied after the secret patterns, to every string (also with
   * `enabled: false`). An unknown field or a wrong value is a TypeError at construction.
   */
  pii?: boolean | PiiOptions;
}

/**
 * Settings of PII redaction. Kinds not named are off, unless none is named (then all are on):
 * `{ mode: 'hash' }` is every kind, hashed.
 */
export interface PiiOptions {
  /** E-mail addresses. */
  emails?: boolean;
  /** Phone numbers: E.164 (`+14155550123`, `+44 20 7946 0958`) and North American (`(415) 555-0123`, `415-555-0123`, `415.555.0123`). */
  phones?: boolean;
  /** Payment card numbers of 13 to 19 digits (spaces or dashes allowed) with an issuer's prefix and a valid Luhn checksum. */
  cards?: boolean;
  /** US social security numbers (`123-45-6789`), unassigned ranges excluded. */
  ssns?: boolean;
  /** IPv4 and IPv6 addresses. */
  ips?: boolean;
  /**
   * `'label'` (default): `[REDACTED:email]`. `'hash'`: `[REDACTED:email:<12 hex digits>]`, a keyed
   * hash (HMAC-SHA256) of the value in a normal form, so equal values (`(415) 555-0123` and
   * `+14155550123`, `Jane@X.com` and `jane@x.com`) give equal markers and stay joinable.
   */
  mode?: 'label' | 'hash';
  /**
   * The key of hash mode. Default: one derived from the API key, so the runs of one project hash
   * a value alike (without an API key, a random key per process). Never logged.
   */
  hashKey?: string;
}

/** What a flush achieved by the time it resolved. */
export interface FlushResult {
  /** Events delivered while the flush waited. */
  delivered: number;
  /** Events still waiting when it resolved. */
  pending: number;
  /** True when the timeout passed before everything queued was settled. */
  timedOut: boolean;
}

/** Delivery counters. `produced === delivered + pending + dropped` always holds. */
export interface SentrialStats {
  produced: number;
  delivered: number;
  pending: number;
  dropped: number;
  droppedQueueFull: number;
  droppedRejected: number;
  droppedUnauthorized: number;
  droppedTooLarge: number;
  droppedShutdown: number;
  retried: number;
  inputs: number;
  recovered: number;
  spoolErrors: number;
  inputsIgnored: number;
  inputsOverload: number;
  badInputs: number;
  /** The OTLP exporter's counters (spans), when `otlp` is set. */
  otlp?: SentrialOtlpStats;
  /** Errors inside tracking that were swallowed: a message that could not be serialized, a redact function that threw, ... */
  faults: number;
  /** Calls of the manual session API that were ignored as misuses (with `failSilently`). */
  misuses: number;
}

/** The OTLP exporter's counters. `produced === delivered + pending + dropped` (spans) always holds. */
export interface SentrialOtlpStats {
  produced: number;
  delivered: number;
  pending: number;
  dropped: number;
  droppedQueueFull: number;
  droppedRejected: number;
  /** Refused credentials (401, 403): one warning, never retried. */
  droppedUnauthorized: number;
  droppedTooLarge: number;
  droppedShutdown: number;
  retried: number;
  /** Sessions that got no session span because more than 10,000 ran at once. */
  sessionsDropped: number;
  /** Events that could not be made into spans. */
  eventsSkipped: number;
}

/** Delivers tracked sessions to a Sentrial collector and/or an OTLP endpoint. One per process is enough. */
export declare class SentrialClient {
  constructor(options?: SentrialClientOptions);
  /** True when sessions are recorded and delivered. */
  readonly enabled: boolean;
  /**
   * Resolves once everything queued so far is delivered (events and, with `otlp`, spans: the
   * counts add both), or after `timeoutMs` (default 5000). Never rejects.
   */
  flush(options?: { timeoutMs?: number }): Promise<FlushResult>;
  /** Flushes, then stops tracking with this client. Never rejects. */
  shutdown(options?: { timeoutMs?: number }): Promise<FlushResult>;
  /** Delivery counters. */
  stats(): SentrialStats;
  /**
   * Scores a run (thumbs up or down, a number, a label), by its Sentrial session id
   * (`getSessionId(query)`) or its Claude session id (the `session_id` of the SDK's messages).
   * Fire-and-forget through the same delivery as sessions (queued, retried, counted in
   * `stats()`); never throws. A score that arrives before its session is kept and attached when
   * the session arrives. A bad score (an empty name, a non-finite number, both or neither id) is
   * not sent: it is counted in `stats().badInputs` and a warning says why.
   */
  score(score: SentrialScore): void;
  /** Longest wait for delivery at process exit, in ms. */
  readonly exitTimeoutMs: number;
  /**
   * Starts a manual session, for an agent on any framework. Resolves at once to its id (made
   * locally, never waiting on the network), or to `null` when tracking is off or, with
   * `failSilently`, the parameters are unusable.
   */
  createSession(params: CreateSessionParams): Promise<string | null>;
  /** Reports a tool call of a manual session. Returns at once; in order with the session's other steps. */
  trackToolCall(params: TrackToolCallParams): void;
  /** Reports a decision of a manual session. Returns at once. */
  trackDecision(params: TrackDecisionParams): void;
  /** Reports an error of a manual session (it does not end the session). Returns at once. */
  trackError(params: TrackErrorParams): void;
  /** Reports a model call of a manual session (any provider). Returns at once. */
  trackLLMCall(params: TrackLLMCallParams): void;
  /**
   * Ends a manual session. Without `estimatedCost`, its cost is the sum of its model calls' (each
   * as given, else estimated from the pricing table and marked as estimated). Resolves once queued.
   */
  completeSession(params: CompleteSessionParams): Promise<void>;
  /** The simple pattern: a manual session whose steps need no `sessionId`. `event` is the agent's name. */
  begin(params: BeginParams): SentrialRun;
}

/** {@link SentrialClient.createSession}'s parameters. */
export interface CreateSessionParams {
  /** What this session is (`plan-trip`), listed and filtered on in the dashboard. */
  name: string;
  /** The agent's name. */
  agentName: string;
  /** The end user it runs for. */
  userId: string;
  /** The conversation thread it belongs to. */
  convoId?: string;
  /** The session it runs under (an orchestrator's, manual or wrapped: `getSessionId(query)`). */
  parentSessionId?: string;
  /** Kept with the session; `version`, `environment`, ... */
  metadata?: Record<string, unknown>;
  /** The user's input. */
  input?: string;
}

/** {@link SentrialClient.trackToolCall}'s parameters. */
export interface TrackToolCallParams {
  sessionId: string;
  toolName: string;
  toolInput?: unknown;
  toolOutput?: unknown;
  /** Set when the call failed: its message (an `Error` gives its own). */
  toolError?: string | Error | Record<string, unknown>;
  /** Why the agent called the tool. */
  reasoning?: string;
  durationMs?: number;
  /** Your id of the call; one is made when omitted. */
  toolUseId?: string;
}

/** {@link SentrialClient.trackDecision}'s parameters. */
export interface TrackDecisionParams {
  sessionId: string;
  reasoning: string;
  alternatives?: string[];
  chosen?: string;
}

/** {@link SentrialClient.trackError}'s parameters. */
export interface TrackErrorParams {
  sessionId: string;
  /** An `Error` (its message, name and stack are kept) or a message. */
  error: Error | string | Record<string, unknown>;
  /** What the agent was doing. */
  context?: Record<string, unknown>;
}

/** {@link SentrialClient.trackLLMCall}'s parameters. */
export interface TrackLLMCallParams {
  sessionId: string;
  model: string;
  /** Uncached input tokens. */
  promptTokens?: number;
  completionTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  /** Its cost in USD; estimated from the pricing table (Claude models) when omitted. */
  costUsd?: number;
  /** What was sent, as text (an object is kept as JSON). */
  input?: unknown;
  /** What came back, as text (an object is kept as JSON). */
  output?: unknown;
  durationMs?: number;
}

/** How a manual session ended: {@link SentrialClient.completeSession} and {@link SentrialRun.finish}. */
export interface SessionOutcome {
  /** Default `true`. */
  success?: boolean;
  failureReason?: string;
  output?: unknown;
  /** The session's cost, replacing the sum of its model calls' (shown as estimated). */
  estimatedCost?: number;
  /** Custom metrics by name (finite numbers): averaged per agent on the overview, filtered on in the list. */
  customMetrics?: Record<string, number>;
}

/** {@link SentrialClient.completeSession}'s parameters. */
export interface CompleteSessionParams extends SessionOutcome {
  sessionId: string;
  /** The user's input, when the session was created without it. */
  userInput?: string;
  /** Input tokens, replacing the sum of the model calls'. */
  promptTokens?: number;
  /** Output tokens, replacing the sum of the model calls'. */
  completionTokens?: number;
}

/** {@link SentrialClient.begin}'s parameters. */
export interface BeginParams {
  userId: string;
  /** The agent's name. */
  event: string;
  input?: string;
  convoId?: string;
  metadata?: Record<string, unknown>;
  /** The session it runs under. */
  parentSessionId?: string;
}

/** A manual session begun with {@link SentrialClient.begin}: its steps, without a `sessionId`. */
export interface SentrialRun {
  /** Its id; `null` when tracking is off (every method then does nothing). */
  readonly sessionId: string | null;
  trackToolCall(params: Omit<TrackToolCallParams, 'sessionId'>): void;
  trackDecision(params: Omit<TrackDecisionParams, 'sessionId'>): void;
  trackError(params: Omit<TrackErrorParams, 'sessionId'>): void;
  trackLLMCall(params: Omit<TrackLLMCallParams, 'sessionId'>): void;
  finish(outcome?: SessionOutcome): Promise<void>;
}

/** Settings of {@link wrapClaudeAgent}. */
export interface WrapClaudeAgentOptions {
  /** Where sessions go. */
  client: SentrialClient;
  /** Agent name of every session. Default `'claude-agent'`. */
  defaultAgent?: string;
  /** End user of every session. Default `'anonymous'`. */
  userId?: string;
  /** Conversation thread the sessions belong to. */
  convoId?: string;
  /** The session the runs are children of (a manual session of an orchestrator, or another run's). */
  parentSessionId?: string;
  /** Merged into each session's metadata. */
  extraMetadata?: Record<string, unknown>;
}

/**
 * A function shaped like the SDK's `query`: it takes `{ prompt, options }` and returns a Query (an
 * async iterable of messages). `startup`, `prewarm` and the SDK's other functions are not.
 */
// biome-ignore lint/suspicious/noExplicitAny: the SDK's query takes its own message and Options types; `unknown` would refuse it (parameters are contravariant)
export type QueryFunction = (params: { prompt: string | AsyncIterable<any>; options?: any }) => AsyncIterable<unknown>;

/**
 * Wraps `query` from `@anthropic-ai/claude-agent-sdk`: each call becomes a tracked session. The
 * result has exactly `query`'s type, and what it returns behaves as the SDK's own Query object.
 * `startup()` and `prewarm()` start runs without `query()`: wrap the SDK module with
 * {@link wrapClaudeAgentSDK} to track them (passing them here is a TypeError).
 */
/** A score of a run: exactly one of `sessionId` and `claudeSessionId`. */
export type SentrialScore = (
  | { sessionId: string; claudeSessionId?: undefined }
  | { claudeSessionId: string; sessionId?: undefined }
) & {
  /** What is scored (`helpful`, `accuracy`, ...): 1 to 100 characters. */
  name: string;
  /** A finite number, a thumbs up (`true`) or down, or a label of 1 to 200 characters. */
  value: number | boolean | string;
  /** Why, in words: at most 4,000 characters. */
  comment?: string;
};

/**
 * The Sentrial session id of a Query returned by a wrapped `query()` (what the collector and the
 * dashboard list it by), for `client.score({ sessionId })`; undefined when the Query is not
 * tracked (tracking off, or not a wrapped Query's).
 */
export declare function getSessionId(query: object): string | undefined;

export declare function wrapClaudeAgent<Q extends QueryFunction>(query: Q, options: WrapClaudeAgentOptions): Q;

/**
 * Wraps the SDK module (`import * as sdk from '@anthropic-ai/claude-agent-sdk'`, or its `/core`
 * bundle): the result is like the module, with `query`, `startup` (`warm.query(prompt)`) and
 * `prewarm` (`spare.claim({ prompt, options })`) tracked, their hooks registered where the SDK
 * fixes them, and every other export the SDK's own.
 */
export declare function wrapClaudeAgentSDK<M extends { query: QueryFunction }>(
  sdk: M,
  options: WrapClaudeAgentOptions,
): M;
