import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, jsonEqual, parsePointer, PatchError, type PatchOperation } from '../../../src/phases/5-render/patches/json-patch.js';

const fails = (document: unknown, operations: PatchOperation[]) => {
  try {
    applyPatch(document, operations);
  } catch (error) {
    if (error instanceof PatchError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('the patch applied');
};

/** RFC 6902 Appendix A, example by example (A.4, A.7, A.11, A.13, A.15 are about parsing, which the schema does). */
describe('RFC 6902 appendix A', () => {
  it('A.1 adds an object member', () => {
    expect(applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ baz: 'qux', foo: 'bar' });
  });
  it('A.2 adds an array element before the index', () => {
    expect(applyPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
  });
  it('A.3 removes an object member', () => {
    expect(applyPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
  });
  it('A.4 removes an array element', () => {
    expect(applyPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
  });
  it('A.5 replaces a value', () => {
    expect(applyPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
  });
  it('A.6 moves a value', () => {
    const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
    expect(applyPatch(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }])).toEqual({ foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
  });
  it('A.7 moves an array element', () => {
    expect(applyPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({ foo: ['all', 'cows', 'eat', 'grass'] });
  });
  it('A.8 tests a value: success', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(
      applyPatch(doc, [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ]),
    ).toEqual(doc);
  });
  it('A.9 tests a value: error', () => {
    expect(fails({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }])).toEqual({ field: 'value', message: '/baz is "qux", not "bar"' });
  });
  it('A.10 adds a nested member object', () => {
    expect(applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({ foo: 'bar', child: { grandchild: {} } });
  });
  it('A.12 refuses to add to a nonexistent target', () => {
    expect(fails({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }])).toEqual({ field: 'path', message: '/baz: / has no member "baz" (it has foo)' });
  });
  it('A.14 unescapes ~0 and ~1 (and ~01 is ~1, not /)', () => {
    expect(applyPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }])).toEqual({ '/': 9, '~1': 10 });
    expect(parsePointer('/a~1b/m~0n', 'path')).toEqual(['a/b', 'm~n']);
  });
  it('A.15 compares strings and numbers strictly', () => {
    expect(fails({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]).field).toBe('value');
  });
  it('A.16 adds an array value', () => {
    expect(applyPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
  });
});

describe('JSON Patch errors and edges', () => {
  it('names the failing step of a path into an array', () => {
    expect(fails({ spec: { containers: [{ name: 'a' }] } }, [{ op: 'replace', path: '/spec/containers/1/image', value: 'x' }])).toEqual({
      field: 'path',
      message: '/spec/containers/1: /spec/containers has 1 item(s), no index 1',
    });
    expect(fails({ a: [1] }, [{ op: 'remove', path: '/a/01' }]).message).toBe('/a/01: /a is an array, and "01" is not an index');
  });
  it('blames `from` when the source of a move or copy is missing', () => {
    expect(fails({ a: 1 }, [{ op: 'copy', from: '/b', path: '/c' }]).field).toBe('from');
    expect(fails({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]).field).toBe('from');
  });
  it('refuses a pointer without a leading slash and a lone ~', () => {
    expect(() => parsePointer('spec/replicas', 'path')).toThrow(PatchError);
    expect(() => parsePointer('/a~2', 'path')).toThrow(PatchError);
  });
  it('equality ignores member order but not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });
});

const json = fc.jsonValue({ maxDepth: 3 });
const objectDoc = fc.dictionary(
  fc.string({ maxLength: 4 }).filter((k) => k !== ''),
  json,
  { maxKeys: 5 },
);

describe('JSON Patch properties', () => {
  it('never changes the document it is given', () => {
    fc.assert(
      fc.property(objectDoc, fc.string({ maxLength: 4 }), json, (doc, key, value) => {
        const before = structuredClone(doc);
        try {
          applyPatch(doc, [
            { op: 'add', path: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value },
            { op: 'remove', path: `/${Object.keys(doc)[0] ?? 'x'}` },
          ]);
        } catch (error) {
          if (!(error instanceof PatchError)) throw error;
        }
        expect(doc).toEqual(before);
      }),
    );
  });
  it('add of a new member, then remove of it, gives the document back; test of what add wrote passes', () => {
    fc.assert(
      fc.property(objectDoc, fc.string({ maxLength: 4 }), json, (doc, key, value) => {
        fc.pre(!Object.hasOwn(doc, key));
        const path = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const added = applyPatch(doc, [
          { op: 'add', path, value },
          { op: 'test', path, value },
        ]);
        expect(jsonEqual(applyPatch(added, [{ op: 'remove', path }]), doc)).toBe(true);
      }),
    );
  });
});
