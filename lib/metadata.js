'use strict';
// Serializes `extraMetadata` without ever throwing: cycles, BigInt, functions, symbols, Maps,
// Sets and Dates each get a defined form.

function safeJson(value) {
  if (value === undefined || value === null) return undefined;
  // The objects on the path from the root to the value being written, as given (`path`) and as
  // written (`written`: a Map is written as an object, a Set as an array). Only a value that is its
  // own ancestor is a cycle; an object reached twice by two paths is written twice.
  const path = [];
  const written = [];
  try {
    return JSON.stringify(value, function replacer(_key, v) {
      switch (typeof v) {
        case 'bigint':
          return v.toString();
        case 'function':
          return `[Function ${v.name || 'anonymous'}]`;
        case 'symbol':
          return v.toString();
        case 'object': {
          if (v === null) return v;
          // `this` is the object holding `v`: it and what is above it stay on the path, the
          // siblings written before `v` (and what was below them) leave it.
          const depth = written.lastIndexOf(this) + 1;
          path.length = depth;
          written.length = depth;
          if (path.includes(v)) return '[Circular]';
          const out = v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v;
          path.push(v);
          written.push(out);
          return out;
        }
        default:
          return v;
      }
    });
  } catch (err) {
    return JSON.stringify({ _unserializable: String(err && err.message) });
  }
}

module.exports = { safeJson };
