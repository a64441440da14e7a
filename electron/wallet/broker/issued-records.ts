/**
 * The `token.issued` audit record of a hand-out, made once per plan and token. An agent that asks
 * again and again for the same thing is answered from the same kept plan (plan-memo.ts) with the
 * same cached token, so its record is the same each time but for what the log adds (seq, time,
 * the chain's hashes): it is built once, frozen (its arrays too: the log shares them with the
 * events it hands to listeners), and handed to the log again while plan and token stay the same.
 */
import type { TokenResponse } from '../../../shared/bridge.js';
import type { AuditInput } from '../audit/audit-log.js';

interface Kept {
  token: TokenResponse;
  record: AuditInput;
}

export class IssuedRecords<Plan extends object> {
  /** Per plan object: the last token handed out under it and its record (a plan no longer kept is collected with its entry). */
  private readonly records = new WeakMap<Plan, Kept>();

  /** `make` builds the record of a token handed out under a plan. */
  constructor(private readonly make: (plan: Plan, token: TokenResponse) => AuditInput) {}

  /** The record for `token` handed out under `plan`: the kept one if the token is the same, else a new one, frozen and kept. */
  of(plan: Plan, token: TokenResponse): AuditInput {
    const kept = this.records.get(plan);
    if (kept !== undefined && sameToken(kept.token, token)) return kept.record;
    const record = freezeRecord(this.make(plan, token));
    this.records.set(plan, { token: { ...token }, record });
    return record;
  }
}

function sameToken(a: TokenResponse, b: TokenResponse): boolean {
  return a.access_token === b.access_token && a.expires_at === b.expires_at && a.scope === b.scope && a.token_type === b.token_type;
}

function freezeRecord(record: AuditInput): AuditInput {
  for (const value of Object.values(record)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(record);
}
