/**
 * Carries out a policy plan through the wallet's owner methods, one change at a time, so each
 * is audited as the owner change it is (one mechanism with the CLI and the window). An agent it
 * enrols gets a secret that is dropped here: it is used through `latchkey run --agent NAME`, or
 * removed and enrolled again with `latchkey agent add` for a secret of its own.
 */
import type { OwnerApi } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { parsePolicyTtl, type PolicyChange, type PolicyGrant } from '../../../shared/policy.js';

/** The owner methods a plan uses, and adding an allowed site (audited as the owner's `site.allowed`). */
export type PolicyOwner = Pick<OwnerApi, 'enrolAgent' | 'removeAgent' | 'setDelegationLimits' | 'listGrants' | 'createGrant' | 'updateGrant' | 'revokeGrant' | 'removeAllowedSite'> & {
  allowSite(server: string, site: string): Promise<void>;
};

function limitsOf(grant: PolicyGrant): { maxTokenLifetimeSeconds: number | null; expiresAt: number | null } {
  return {
    maxTokenLifetimeSeconds: grant.ttl === undefined ? null : (parsePolicyTtl(grant.ttl) ?? null),
    expiresAt: grant.expires === undefined ? null : Date.parse(grant.expires),
  };
}

async function grantIdOf(owner: PolicyOwner, agent: string, grant: PolicyGrant): Promise<string> {
  const found = (await owner.listGrants({ agent })).find((entry) => entry.resource === grant.server && entry.account === grant.account);
  if (found === undefined) {
    throw new LatchkeyError(ErrorCode.GrantNotFound, `Agent "${agent}" has no grant for ${grant.server} any more.`, { hint: 'Run `latchkey policy diff` again.' });
  }
  return found.id;
}

async function applyChange(owner: PolicyOwner, change: PolicyChange): Promise<void> {
  switch (change.kind) {
    case 'agent.add':
      await owner.enrolAgent({ name: change.agent, kind: change.agentKind });
      return;
    case 'agent.remove':
      await owner.removeAgent({ agent: change.agent });
      return;
    case 'agent.delegation': {
      const to = change.to;
      const maxTtlSeconds = to?.maxTtl === undefined ? undefined : parsePolicyTtl(to.maxTtl);
      const limits = to === undefined ? null : { maxDepth: to.maxDepth, maxChildren: to.maxChildren, ...(maxTtlSeconds === undefined ? {} : { maxTtlSeconds }) };
      await owner.setDelegationLimits({ agent: change.agent, limits });
      return;
    }
    case 'grant.add': {
      const { maxTokenLifetimeSeconds, expiresAt } = limitsOf(change.grant);
      await owner.createGrant({
        agent: change.agent,
        resource: change.grant.server,
        ...(change.grant.account === undefined ? {} : { account: change.grant.account }),
        scopes: change.grant.scopes,
        mode: change.grant.mode,
        ...(maxTokenLifetimeSeconds === null ? {} : { maxTokenLifetimeSeconds }),
        ...(expiresAt === null ? {} : { expiresAt }),
      });
      return;
    }
    case 'grant.change':
      await owner.updateGrant({ id: await grantIdOf(owner, change.agent, change.from), scopes: change.to.scopes, mode: change.to.mode, ...limitsOf(change.to) });
      return;
    case 'grant.remove':
      await owner.revokeGrant({ id: await grantIdOf(owner, change.agent, change.grant) });
      return;
    case 'site.add':
      await owner.allowSite(change.server, change.site);
      return;
    case 'site.remove':
      await owner.removeAllowedSite({ server: change.server, site: change.site });
      return;
  }
}

/** Runs the changes in order; a failure stops there (what ran stays, each in the audit) and says how far it got. */
export async function applyPolicy(owner: PolicyOwner, changes: readonly PolicyChange[]): Promise<void> {
  for (const [index, change] of changes.entries()) {
    try {
      await applyChange(owner, change);
    } catch (error) {
      if (error instanceof LatchkeyError) {
        throw new LatchkeyError(error.code, `${error.message} (policy change ${index + 1} of ${changes.length}; the ${index} before it were applied)`, {
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          details: { ...error.details, applied: index },
          cause: error,
        });
      }
      throw error;
    }
  }
}
