// Module resolve hook (registered with module.register): @posthog/ai/claude-agent-sdk imports
// `query` straight from @anthropic-ai/claude-agent-sdk instead of taking it as an argument, so for
// that one importer the SDK resolves to fake-sdk.mjs, whose `query` is the bench's fake.
const FAKE = new URL('./fake-sdk.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (
    specifier === '@anthropic-ai/claude-agent-sdk' &&
    context.parentURL &&
    context.parentURL.includes('/node_modules/@posthog/ai/')
  ) {
    return { url: FAKE, shortCircuit: true };
  }
  return next(specifier, context);
}
