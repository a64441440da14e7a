/**
 * What an append may carry (T30), checked without parsing the event: the wallet builds every event
 * itself, so the types already give its shape; what they cannot give is checked here by hand: codes
 * where a code belongs, nothing that looks like a secret, and the bounds the schema puts on
 * lengths and numbers, so every event written reads back through AuditEvent (chain.ts parseLine).
 * The event is built from the schema's own keys, sorted, so nothing else gets in.
 */
import { AuditEvent } from '../../../shared/agents.js';
import { CHAIN_LIMITS, TEXT_LIMITS } from '../../../shared/audit-event-check.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { SECRET_PATTERN } from '../../base/ids.js';

/** What callers append: the log adds seq, time, prevHash and hash. */
export type AuditInput = Omit<AuditEvent, 'seq' | 'time' | 'prevHash' | 'hash'>;

const CODE_TEXT = /^[A-Za-z0-9_.:/-]{1,200}$/;
const FINGERPRINT = /^sha256:[A-Za-z0-9_-]{6,64}$/;
const LOOKS_SECRET = [SECRET_PATTERN, /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/, /\bBearer\s/i, /(?:access|refresh|id)_token=/i];

export { CHAIN_LIMITS, TEXT_LIMITS };

const TEXT_FIELDS = Object.entries(TEXT_LIMITS) as ReadonlyArray<[keyof typeof TEXT_LIMITS, number]>;
/** The members an event is written with (all but `hash`), sorted by UTF-16 code units as canonical JSON has them. */
const WRITTEN_KEYS = (Object.keys(AuditEvent.shape) as Array<keyof AuditEvent>).filter((key) => key !== 'hash').sort();

export function refuse(field: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidInput, `An audit event was refused: its "${field}" is not allowed there.`, {
    hint: 'Audit events carry codes and token fingerprints, never secrets or free text.',
  });
}

/**
 * A text none of LOOKS_SECRET can match: each of them needs one of these pieces (case aside), so a
 * text without any is passed after one scan instead of four.
 */
const SECRET_PIECES = /lk_|eyJ|bearer\s|_token=/i;

function looksSecret(text: string): boolean {
  return SECRET_PIECES.test(text) && LOOKS_SECRET.some((pattern) => pattern.test(text));
}

/**
 * Refuses a member that looks like a secret, or that is not a string, a number or an array of
 * strings: then JSON.stringify of the event is its canonical JSON (eventOf).
 */
function checkMembers(input: AuditInput): void {
  const members: Readonly<Record<string, unknown>> = input;
  for (const field of Object.keys(members)) {
    const value = members[field];
    if (typeof value === 'string') {
      if (looksSecret(value)) throw refuse(field);
    } else if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (typeof item !== 'string' || looksSecret(item)) throw refuse(field);
    } else if (typeof value !== 'number' && value !== undefined) throw refuse(field);
  }
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
  checkMembers(input);
}

/**
 * The event as written, before its hash: the schema's members only, in canonical order (keys
 * sorted as chain.ts canonicalJson sorts them). Its members being strings, numbers and arrays of
 * strings (checkInput), JSON.stringify of it is its canonical JSON: the text the hash covers and the
 * line, made once.
 */
export function eventOf(input: AuditInput, seq: number, time: number, prevHash: string): Omit<AuditEvent, 'hash'> {
  const given: Readonly<Partial<Record<keyof AuditEvent, unknown>>> = input;
  const event: Partial<Record<keyof AuditEvent, unknown>> = {};
  for (const key of WRITTEN_KEYS) {
    const value = key === 'seq' ? seq : key === 'time' ? time : key === 'prevHash' ? prevHash : given[key];
    if (value !== undefined) event[key] = value;
  }
  return event as Omit<AuditEvent, 'hash'>;
}
