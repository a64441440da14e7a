/**
 * T3: a 403 insufficient_scope (or an agent's step-up the owner approved) signs in again with the
 * union of the scopes held and those asked for; a bounded number of times per scope set, and
 * upgrades the owner declined are not asked for again unless the owner approves them.
 */
import type { AccessTokenResult } from '../../../shared/connections.js';
import type { ConnectOptions } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { Clock } from '../../base/ports.js';
import type { ConnectionRecord } from '../oauth/records.js';
import { coversScopes, unionScopes } from '../oauth/select-scopes.js';
import { accountFlag, connectionKey, type ConnectionRef } from './accounts.js';
import type { ConnectionStore } from './connection-store.js';
import { requireToken, toAccessTokenResult } from './connection-summary.js';

/** Step-ups to the same scope set before we stop asking (T3: bounded, no loops). */
export const MAX_STEP_UPS = 2;

export interface StepUpsDeps {
  store: ConnectionStore;
  clock: Clock;
  /** Signs in again at the connection's own issuer with `scopes`; stores and returns the connection. */
  signInAgain(record: ConnectionRecord, scopes: string[], options: ConnectOptions): Promise<ConnectionRecord>;
}

export class StepUps {
  private readonly attempts = new Map<string, number>();

  constructor(private readonly deps: StepUpsDeps) {}

  /** Re-authorize with the union of scopes; bounded; declined upgrades are remembered. */
  async stepUp(record: ConnectionRecord, needed: string[], options: ConnectOptions, ownerApproved = false): Promise<AccessTokenResult> {
    const wanted = unionScopes(record.scopes, needed);
    const declined = ownerApproved ? [] : needed.filter((s) => record.deniedScopes.includes(s));
    if (declined.length > 0) {
      throw new LatchkeyError(ErrorCode.StepUpLimit, `More access to ${record.resource} (${declined.join(' ')}) was declined before.`, {
        hint: `To ask again, run: latchkey connect ${record.serverUrl}${accountFlag(record.account)} --scope "${wanted.join(' ')}"`,
        details: { resource: record.resource },
      });
    }
    const key = `${connectionKey(record)}\n${[...wanted].sort().join(' ')}`;
    const attempts = this.attempts.get(key) ?? 0;
    if (attempts >= MAX_STEP_UPS || (coversScopes(record.scopes, needed) && attempts > 0)) {
      throw new LatchkeyError(ErrorCode.StepUpLimit, `${record.resource} keeps asking for more access after ${attempts} sign-ins; Latchkey stopped asking.`, {
        hint: 'The server may need scopes its authorization server does not grant. Contact its operator.',
        details: { resource: record.resource, attempts },
      });
    }
    this.attempts.set(key, attempts + 1);
    try {
      const updated = await this.deps.signInAgain(record, wanted, options);
      return toAccessTokenResult(requireToken(updated));
    } catch (error) {
      // A refusal of the owner's own step-up is remembered on the connection; one approved for an
      // agent is remembered once, with the agent's declined step-ups (broker/step-up.ts).
      if (isLatchkeyError(error, ErrorCode.AccessDenied) && !ownerApproved) {
        await this.deps.store.updateConnection(record, (current) => ({
          ...current,
          deniedScopes: unionScopes(current.deniedScopes, needed.filter((s) => !current.scopes.includes(s))),
          updatedAt: this.deps.clock.now(),
        }));
      }
      throw error;
    }
  }

  /** The connection is gone: its counts go with it. */
  forget(ref: ConnectionRef): void {
    const prefix = `${connectionKey(ref)}\n`;
    for (const key of [...this.attempts.keys()]) if (key.startsWith(prefix)) this.attempts.delete(key);
  }
}
