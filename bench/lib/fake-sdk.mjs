// The fake SDK module handed to @posthog/ai (see posthog-hooks.mjs): the same fake query() as
// every other contender's.
export { query, fakeSdk as default } from './workload.mjs';
export const SYSTEM_PROMPT_DYNAMIC_BOUNDARY = '__SYSTEM_PROMPT_DYNAMIC_BOUNDARY__';
