/**
 * An audit event checked without zod, for the audit query: it reads up to thousands of events a
 * call, and zod's parse allocates several times the event's own size for each, enough to make the
 * daemon's young heap grow under a burst of queries. The check accepts exactly what AuditEvent in
 * agents.ts accepts and returns what that schema's parse returns: a new object with the schema's
 * members only, in its order, arrays copied; a member present as undefined (which no JSON line
 * holds) is left out (test/shared/audit-event-check.test.ts holds it to the schema).
 */
import { AuditEvent, AuditType } from './agents.js';

type Fields = Record<string, unknown>;
type Check = (value: unknown) => boolean;

/** The longest each bounded text may be: the `.max()` of its field in AuditEvent. */
export const TEXT_LIMITS = { account: 64, reason: 200, issuer: 2048, site: 253, actor: 64, owner: 256 } as const satisfies Partial<Record<keyof AuditEvent, number>>;
/** AuditEvent's `chain`: at most this many links, each at most this long. */
export const CHAIN_LIMITS = { links: 8, length: 128 } as const;

const TYPES: ReadonlySet<unknown> = new Set(AuditType.options);
const OUTCOMES: ReadonlySet<unknown> = new Set(AuditEvent.shape.outcome.options);

const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isCount: Check = (value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
const isSeq: Check = (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const textUpTo =
  (max: number): Check =>
  (value) =>
    typeof value === 'string' && value.length <= max;
const isStrings: Check = (value) => Array.isArray(value) && value.every(isString);
const isLink = textUpTo(CHAIN_LIMITS.length);
const isChain: Check = (value) => Array.isArray(value) && value.length <= CHAIN_LIMITS.links && value.every(isLink);

/** Each member of AuditEvent: its check, and whether it may be absent. */
const MEMBERS: Readonly<Record<keyof AuditEvent, readonly [Check, boolean]>> = {
  seq: [isSeq, false],
  time: [isNumber, false],
  type: [(value) => TYPES.has(value), false],
  agentId: [isString, true],
  agentName: [isString, true],
  sessionId: [isString, true],
  resource: [isString, true],
  account: [textUpTo(TEXT_LIMITS.account), true],
  scopes: [isStrings, true],
  outcome: [(value) => OUTCOMES.has(value), false],
  reason: [textUpTo(TEXT_LIMITS.reason), true],
  issuer: [textUpTo(TEXT_LIMITS.issuer), true],
  site: [textUpTo(TEXT_LIMITS.site), true],
  tokenFingerprint: [isString, true],
  actor: [textUpTo(TEXT_LIMITS.actor), true],
  count: [isCount, true],
  tokenExpiresAt: [isNumber, true],
  owner: [textUpTo(TEXT_LIMITS.owner), true],
  chain: [isChain, true],
  prevHash: [isString, false],
  hash: [isString, false],
};
const ORDER = Object.keys(AuditEvent.shape) as ReadonlyArray<keyof AuditEvent>;

/** The event `value` is, as AuditEvent.parse would return it; undefined when that parse would fail. */
export function readAuditEvent(value: unknown): AuditEvent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Fields;
  const event: Fields = {};
  for (const key of ORDER) {
    const member = fields[key];
    const [check, optional] = MEMBERS[key];
    if (member === undefined) {
      if (optional) continue;
      return undefined;
    }
    if (!check(member)) return undefined;
    event[key] = Array.isArray(member) ? member.slice() : member;
  }
  return event as AuditEvent;
}

/** Every element of `value` read by readAuditEvent; undefined when `value` is not an array or an element fails. */
export function readAuditEvents(value: unknown): AuditEvent[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const events: AuditEvent[] = [];
  for (const item of value) {
    const event = readAuditEvent(item);
    if (event === undefined) return undefined;
    events.push(event);
  }
  return events;
}
