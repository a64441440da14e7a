/**
 * Which of a server's connections an agent's token request means (protocol.md T8): the account it
 * names, which the agent's grants must include when it holds any for this server (a grant for
 * `work` never yields `personal`: refused without asking the owner); with none named, its grant's
 * account (the default one first), else the server's default or only connection.
 * AccountAmbiguous when that would be a guess.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Clock } from '../../base/ports.js';
import { pickAccount, type ConnectionRef } from '../connections/accounts.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import { grantApplies, type ConnectionState } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';

export interface AccountTargetDeps {
  grants: Pick<GrantStore, 'listStored'>;
  tokens: Pick<ConnectionTokens, 'resolve'>;
  clock: Clock;
}

export function accountTarget(deps: AccountTargetDeps, agentId: string, resource: string, named: string | undefined): ConnectionRef {
  const now = deps.clock.now();
  const granted = deps.grants.listStored(agentId, resource).filter((grant) => grantApplies(grant, agentId, resource, now));
  if (named !== undefined) {
    if (granted.length > 0 && !granted.some((grant) => grant.account === named)) {
      throw new LatchkeyError(ErrorCode.NoGrant, `This agent has no grant for account "${named}" of ${resource}.`, {
        hint: `The owner grants it, if they want to: latchkey grant add <agent> ${resource} --account ${named}`,
        details: { resource, account: named },
      });
    }
    return { resource, account: named };
  }
  if (granted.length > 0) return { resource, account: pickAccount(resource, undefined, granted)?.account };
  return { resource, account: deps.tokens.resolve(resource, undefined)?.account };
}

/** What the plan needs of the connection, read now (its issuer and status key the agent token cache). */
export function connectionStateOf(tokens: Pick<ConnectionTokens, 'connection'>, target: ConnectionRef): ConnectionState | undefined {
  const record = tokens.connection(target);
  if (record === undefined) return undefined;
  return {
    scopes: record.scopes,
    tokenLifetimeSeconds: record.accessToken?.lifetimeSeconds,
    issuer: record.issuer,
    status: record.status,
    ...(record.access === undefined ? {} : { access: record.access }),
  };
}
