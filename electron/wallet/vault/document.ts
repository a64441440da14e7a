/**
 * The vault's document: one JSON object. The vault knows nothing of OAuth; callers keep whatever
 * JSON they need under top-level keys. Readers get a deep-frozen snapshot; writers get a shallow
 * draft of it.
 *
 * Structural sharing: an update copies, serialises and freezes only the top-level keys it changes.
 * The draft is a shallow copy whose values are the current document's frozen values; a key the
 * mutation leaves as it was keeps that very value (and its JSON text, kept once per value) in the
 * new document, so an update of one small key costs that key only, however large the rest is.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export type VaultDocument = Readonly<Record<string, unknown>>;
/**
 * Gets a shallow draft of the document: set, replace or delete top-level keys, or return a new
 * object. The values are the stored, frozen ones: replace a value to change it, never edit it in
 * place (that throws a TypeError and nothing is written).
 */
export type VaultMutation = (document: Record<string, unknown>) => Record<string, unknown> | void;

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function freezeDocument(document: Record<string, unknown>): VaultDocument {
  return deepFreeze(document);
}

/** The JSON of a document's frozen object values as UTF-8, made once per value. */
const jsonOfFrozen = new WeakMap<object, Buffer>();

/** The JSON, as UTF-8, of a value that belongs to a (deep-frozen) document. */
function storedJsonOf(value: unknown): Buffer {
  if (typeof value !== 'object' || value === null) return Buffer.from(JSON.stringify(value), 'utf8');
  let json = jsonOfFrozen.get(value);
  if (json === undefined) {
    json = Buffer.from(JSON.stringify(value), 'utf8');
    jsonOfFrozen.set(value, json);
  }
  return json;
}

/** Sets an own, enumerable key, "__proto__" included (as JSON.parse would). */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A mutable deep copy of plain JSON data (objects, arrays, primitives), e.g. of a frozen snapshot. */
export function copyJsonValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copyJsonValue(item)) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setKey(copy, key, copyJsonValue((value as Record<string, unknown>)[key]));
  return copy as T;
}

/** A changed value exactly as it will be stored: through JSON and back, frozen, its text kept; undefined when JSON leaves it out. */
function storedValueOf(value: unknown): unknown {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) return undefined; // undefined, a function, a symbol: JSON leaves the key out
  const stored = deepFreeze(JSON.parse(json) as unknown);
  if (typeof stored === 'object' && stored !== null) jsonOfFrozen.set(stored, Buffer.from(json, 'utf8'));
  return stored;
}

function asDocumentObject(result: unknown): Record<string, unknown> {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new LatchkeyError(ErrorCode.Internal, 'A vault update must produce a JSON object.');
  }
  const withToJson = result as { toJSON?: unknown };
  if (typeof withToJson.toJSON !== 'function') return result as Record<string, unknown>;
  // An object with its own toJSON is stored as what that gives, as JSON.stringify of it would.
  const stored = JSON.parse(JSON.stringify(result)) as unknown;
  return asDocumentObject(stored);
}

/**
 * Runs a caller's mutation on a shallow draft of `current` and returns the new document exactly
 * as it will be stored (every changed key went through JSON), deep-frozen, sharing each unchanged
 * key's value with `current`. Throws what the mutation throws; `current` is never changed.
 */
export function applyMutation(current: VaultDocument, mutate: VaultMutation): VaultDocument {
  const draft: Record<string, unknown> = { ...current };
  const result = asDocumentObject(mutate(draft) ?? draft);
  const next: Record<string, unknown> = {};
  for (const key of Object.keys(result)) {
    const value = result[key];
    if (Object.hasOwn(current, key) && Object.is(value, current[key])) {
      setKey(next, key, value);
      continue;
    }
    const stored = storedValueOf(value);
    if (stored !== undefined) setKey(next, key, stored);
  }
  return Object.freeze(next);
}

/**
 * The document's plaintext for the vault file: the bytes JSON.stringify(document) gives, put
 * together from each key's kept JSON, so only values not serialised before are serialised. A new
 * buffer: the caller may wipe it.
 */
export function serializeDocument(document: VaultDocument): Buffer {
  const parts: Buffer[] = [];
  for (const key of Object.keys(document)) {
    parts.push(Buffer.from(`${parts.length === 0 ? '{' : ','}${JSON.stringify(key)}:`, 'utf8'), storedJsonOf(document[key]));
  }
  parts.push(Buffer.from(parts.length === 0 ? '{}' : '}', 'utf8'));
  return Buffer.concat(parts);
}
