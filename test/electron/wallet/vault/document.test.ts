/** The vault document's structural sharing: only changed keys are copied, serialised and frozen; the bytes are JSON.stringify's. */
import { describe, expect, it } from 'vitest';
import { applyMutation, copyJsonValue, freezeDocument, serializeDocument } from '../../../../electron/wallet/vault/document.js';

const through = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('vault document', () => {
  it('shares every unchanged key with the document before; the changed key is stored as JSON gives it, frozen', () => {
    const current = freezeDocument({ grants: { g1: { scopes: ['a'] } }, auditHead: { seq: 1, hash: 'h1' } });
    const next = applyMutation(current, (doc) => {
      doc['auditHead'] = { seq: 2, hash: 'h2' };
    });
    expect(next['grants']).toBe(current['grants']);
    expect(next['auditHead']).toEqual({ seq: 2, hash: 'h2' });
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next['auditHead'])).toBe(true);
    expect(current['auditHead']).toEqual({ seq: 1, hash: 'h1' });
  });

  it('changed values behave as a whole-document JSON round trip: undefined, functions, Dates, NaN, nested undefined', () => {
    const when = new Date(0);
    const result: Record<string, unknown> = {
      gone: undefined,
      fn: () => 1,
      when,
      nan: Number.NaN,
      nested: { keep: 1, drop: undefined, list: [undefined, Number.POSITIVE_INFINITY] },
    };
    const next = applyMutation(freezeDocument({ old: 1 }), () => result);
    expect(next).toEqual(through(result));
    expect(Object.keys(next)).toEqual(['when', 'nan', 'nested']);
    expect(serializeDocument(next).toString('utf8')).toBe(JSON.stringify(result));
  });

  it('serialises to exactly the bytes JSON.stringify gives, keys in order, after deletes and re-adds', () => {
    let document = freezeDocument(through({ a: { x: [1, 2] }, b: 'two', 3: 'three', c: null }) as Record<string, unknown>);
    document = applyMutation(document, (doc) => {
      delete doc['a'];
      doc['a'] = { x: 'back' };
      doc['é'] = 'ü "quoted"\n';
    });
    expect(serializeDocument(document).toString('utf8')).toBe(JSON.stringify(document));
    expect(JSON.parse(serializeDocument(document).toString('utf8'))).toEqual(document);
  });

  it('keeps a "__proto__" key as an own key, as JSON.parse does', () => {
    const current = freezeDocument(JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>);
    const next = applyMutation(current, (doc) => {
      doc['a'] = 2;
    });
    expect(Object.hasOwn(next, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(serializeDocument(next).toString('utf8')).toBe('{"__proto__":{"polluted":true},"a":2}');
  });

  it('a mutation may return a new object; one whose result is not a JSON object is refused', () => {
    const current = freezeDocument({ a: 1 });
    expect(applyMutation(current, (doc) => ({ ...doc, b: 2 }))).toEqual({ a: 1, b: 2 });
    expect(() => applyMutation(current, () => [] as unknown as Record<string, unknown>)).toThrow(/JSON object/);
  });

  it('editing a stored value in place throws (replace it instead); the document is unchanged', () => {
    const current = freezeDocument({ grants: { g1: { scopes: ['a'] } } });
    expect(() =>
      applyMutation(current, (doc) => {
        (doc['grants'] as Record<string, unknown>)['g2'] = {};
      }),
    ).toThrow(TypeError);
    expect(current).toEqual({ grants: { g1: { scopes: ['a'] } } });
  });

  it('copyJsonValue gives a mutable deep copy of a frozen snapshot', () => {
    const frozen = freezeDocument({ list: [{ a: 1 }], inner: { b: 'x' } });
    const copy = copyJsonValue(frozen) as { list: Array<{ a: number }>; inner: { b: string } };
    copy.list[0]!.a = 2;
    copy.inner.b = 'y';
    expect(frozen).toEqual({ list: [{ a: 1 }], inner: { b: 'x' } });
    expect(copy).toEqual({ list: [{ a: 2 }], inner: { b: 'y' } });
  });
});
