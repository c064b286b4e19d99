'use strict';
// Serializes `extraMetadata` without ever throwing: cycles, BigInt, functions, symbols, Maps,
// Sets and Dates each get a defined form.

function safeJson(value) {
  if (value === undefined || value === null) return undefined;
  const seen = new WeakSet();
  try {
    return JSON.stringify(value, function replacer(_key, v) {
      switch (typeof v) {
        case 'bigint':
          return v.toString();
        case 'function':
          return `[Function ${v.name || 'anonymous'}]`;
        case 'symbol':
          return v.toString();
        case 'object':
          if (v === null) return v;
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
          if (v instanceof Map) return Object.fromEntries(v);
          if (v instanceof Set) return [...v];
          return v;
        default:
          return v;
      }
    });
  } catch (err) {
    return JSON.stringify({ _unserializable: String(err && err.message) });
  }
}

module.exports = { safeJson };
