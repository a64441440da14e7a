/**
 * The vault's document: one JSON object. The vault knows nothing of OAuth; callers keep whatever
 * JSON they need under top-level keys. Readers get a deep-frozen snapshot; writers get a copy.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export type VaultDocument = Readonly<Record<string, unknown>>;
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

export interface MutationResult {
  /** The new document exactly as it will be stored (it went through JSON). */
  document: VaultDocument;
  serialized: Buffer;
}

/** Runs a caller's mutation on a private copy and serialises the result. Throws what it throws. */
export function applyMutation(current: VaultDocument, mutate: VaultMutation): MutationResult {
  const draft = structuredClone(current) as Record<string, unknown>;
  const result = mutate(draft) ?? draft;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new LatchkeyError(ErrorCode.Internal, 'A vault update must produce a JSON object.');
  }
  const json = JSON.stringify(result);
  return { document: freezeDocument(JSON.parse(json) as Record<string, unknown>), serialized: Buffer.from(json, 'utf8') };
}
