/**
 * What an append may carry (T30), checked without parsing the event: the wallet builds every event
 * itself, so the types already give its shape; what they cannot give is checked here by hand: codes
 * where a code belongs, nothing that looks like a secret, and the bounds the schema puts on
 * lengths and numbers, so every event written reads back through AuditEvent (chain.ts parseLine).
 * The event is built from the schema's own keys, in its order, so nothing else gets in.
 */
import { AuditEvent } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { SECRET_PATTERN } from '../../base/ids.js';

/** What callers append: the log adds seq, time, prevHash and hash. */
export type AuditInput = Omit<AuditEvent, 'seq' | 'time' | 'prevHash' | 'hash'>;

const CODE_TEXT = /^[A-Za-z0-9_.:/-]{1,200}$/;
const FINGERPRINT = /^sha256:[A-Za-z0-9_-]{6,64}$/;
const LOOKS_SECRET = [SECRET_PATTERN, /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/, /\bBearer\s/i, /(?:access|refresh|id)_token=/i];

/** The longest each bounded text may be: the `.max()` of its field in AuditEvent. */
export const TEXT_LIMITS = { account: 64, reason: 200, issuer: 2048, site: 253, actor: 64, owner: 256 } as const satisfies Partial<Record<keyof AuditInput, number>>;
/** AuditEvent's `chain`: at most this many links, each at most this long. */
export const CHAIN_LIMITS = { links: 8, length: 128 } as const;

const TEXT_FIELDS = Object.entries(TEXT_LIMITS) as ReadonlyArray<[keyof typeof TEXT_LIMITS, number]>;
const EVENT_KEYS = Object.keys(AuditEvent.shape) as ReadonlyArray<keyof AuditEvent>;

export function refuse(field: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidInput, `An audit event was refused: its "${field}" is not allowed there.`, {
    hint: 'Audit events carry codes and token fingerprints, never secrets or free text.',
  });
}

function looksSecret(value: unknown): boolean {
  if (typeof value === 'string') return LOOKS_SECRET.some((pattern) => pattern.test(value));
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && LOOKS_SECRET.some((pattern) => pattern.test(item)));
}

function checkBounds(input: AuditInput): void {
  for (const [field, limit] of TEXT_FIELDS) {
    const value = input[field];
    if (value !== undefined && value.length > limit) throw refuse(field);
  }
  if (input.chain !== undefined && (input.chain.length > CHAIN_LIMITS.links || input.chain.some((link) => link.length > CHAIN_LIMITS.length))) throw refuse('chain');
  if (input.count !== undefined && !(Number.isSafeInteger(input.count) && input.count > 0)) throw refuse('count');
  if (input.tokenExpiresAt !== undefined && !Number.isFinite(input.tokenExpiresAt)) throw refuse('tokenExpiresAt');
}

/** Refuses anything that is not a code where a code belongs, out of bounds, or that looks like a secret. */
export function checkInput(input: AuditInput): void {
  if (input.reason !== undefined && !CODE_TEXT.test(input.reason)) throw refuse('reason');
  if (input.actor !== undefined && !CODE_TEXT.test(input.actor)) throw refuse('actor');
  if (input.tokenFingerprint !== undefined && !FINGERPRINT.test(input.tokenFingerprint)) throw refuse('tokenFingerprint');
  checkBounds(input);
  for (const [field, value] of Object.entries(input)) if (looksSecret(value)) throw refuse(field);
}

/** The event as written, before its hash: the schema's members only, in the schema's order. */
export function eventOf(input: AuditInput, seq: number, time: number, prevHash: string): Omit<AuditEvent, 'hash'> {
  const given: Partial<Record<keyof AuditEvent, unknown>> = { ...input, seq, time, prevHash };
  const event: Partial<Record<keyof AuditEvent, unknown>> = {};
  for (const key of EVENT_KEYS) if (key !== 'hash' && given[key] !== undefined) event[key] = given[key];
  return event as Omit<AuditEvent, 'hash'>;
}
