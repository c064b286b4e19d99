// safeJson (lib/metadata.js), which serializes `extraMetadata`: a cycle is marked, an object
// reached twice without one is written twice.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { safeJson } = require('../lib/metadata.js');

it('writes an object reached by two paths twice, without a cycle', () => {
  const shared = { region: 'eu', tags: ['a', 'b'] };
  const list = [1, 2];
  const meta = { a: shared, b: shared, nested: { again: shared, list }, list, pair: [list, list] };
  assert.deepStrictEqual(JSON.parse(safeJson(meta)), {
    a: { region: 'eu', tags: ['a', 'b'] },
    b: { region: 'eu', tags: ['a', 'b'] },
    nested: { again: { region: 'eu', tags: ['a', 'b'] }, list: [1, 2] },
    list: [1, 2],
    pair: [
      [1, 2],
      [1, 2],
    ],
  });
});

it('marks a cycle where a value is its own ancestor, at any depth, and nowhere else', () => {
  const root = { name: 'root', child: { leaf: {} } };
  root.self = root;
  root.child.up = root;
  root.child.leaf.back = root.child;
  root.child.leaf.sibling = root.child.leaf;
  const shared = { x: 1 };
  root.one = shared;
  root.two = [shared, { shared }];
  assert.deepStrictEqual(JSON.parse(safeJson(root)), {
    name: 'root',
    child: { leaf: { back: '[Circular]', sibling: '[Circular]' }, up: '[Circular]' },
    self: '[Circular]',
    one: { x: 1 },
    two: [{ x: 1 }, { shared: { x: 1 } }],
  });
  const array = [];
  array.push(array, [array]);
  assert.deepStrictEqual(JSON.parse(safeJson({ array })), { array: ['[Circular]', ['[Circular]']] });
});

it('follows cycles and shared values through Maps and Sets', () => {
  const shared = { k: 'v' };
  const map = new Map([
    ['a', shared],
    ['b', shared],
  ]);
  map.set('self', map);
  const set = new Set([shared]);
  set.add(set);
  assert.deepStrictEqual(JSON.parse(safeJson({ map, set, again: map })), {
    map: { a: { k: 'v' }, b: { k: 'v' }, self: '[Circular]' },
    set: [{ k: 'v' }, '[Circular]'],
    again: { a: { k: 'v' }, b: { k: 'v' }, self: '[Circular]' },
  });
});

it('keeps the forms of the other values', () => {
  const meta = {
    big: 10n,
    fn: function named() {},
    anon: (() => () => {})(),
    sym: Symbol('s'),
    date: new Date(0),
    none: null,
  };
  assert.deepStrictEqual(JSON.parse(safeJson(meta)), {
    big: '10',
    fn: '[Function named]',
    anon: '[Function anonymous]',
    sym: 'Symbol(s)',
    date: '1970-01-01T00:00:00.000Z',
    none: null,
  });
  assert.equal(safeJson(undefined), undefined);
  assert.equal(safeJson(null), undefined);
  assert.equal(safeJson('text'), '"text"');
  const hostile = {
    get boom() {
      throw new Error('getter');
    },
  };
  assert.deepStrictEqual(JSON.parse(safeJson(hostile)), { _unserializable: 'getter' });
});
