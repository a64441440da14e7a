/**
 * The owner methods for grants as code (exportPolicy, planPolicy, applyPolicy), built on the owner
 * surface itself so every change is one of its audited owner changes (T41).
 */
import type { OwnerApi, OwnerParams, OwnerResult } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { PolicyFile, policyPath, sortPolicy } from '../../../shared/policy.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import { applyPolicy, type PolicyOwner } from './apply-policy.js';
import { exportPolicy } from './export-policy.js';
import { digestOf, planPolicy } from './plan-policy.js';

type Surface = Pick<OwnerApi, 'listAgents' | 'listGrants' | 'listAllowedSites'> & Omit<PolicyOwner, 'allowSite'>;

export interface PolicyMethodsDeps {
  /** The owner surface the methods belong to (read when called). */
  surface: () => Surface;
  urlPolicy: UrlPolicy;
  /** Adds an allowed site as an owner change. */
  allowSite: (server: string, site: string) => Promise<void>;
}

export type PolicyMethods = Pick<OwnerApi, 'exportPolicy' | 'planPolicy' | 'applyPolicy'>;

/** Server URLs canonical, sites lower-case: the file compares with the wallet as the wallet stores it. */
function canonicalPolicy(file: PolicyFile, urlPolicy: UrlPolicy): PolicyFile {
  const server = (url: string): string => canonicalResource(url, urlPolicy);
  const canonical = sortPolicy({
    version: file.version,
    agents: file.agents.map((agent) => ({ ...agent, grants: agent.grants.map((grant) => ({ ...grant, server: server(grant.server) })) })),
    allowedSites: file.allowedSites.map((entry) => ({ server: server(entry.server), site: entry.site.toLowerCase() })),
  });
  // Two URLs that differ only in spelling (case, a default port) are one server: listed twice is a duplicate.
  const checked = PolicyFile.safeParse(canonical);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  throw new LatchkeyError(ErrorCode.PolicyInvalid, `The policy file is not valid once its URLs are written canonically: ${policyPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}.`, {
    hint: 'Name each server once per agent, as `latchkey policy export` writes it.',
  });
}

export function createPolicyMethods(deps: PolicyMethodsDeps): PolicyMethods {
  const current = async (): Promise<PolicyFile> => {
    const surface = deps.surface();
    return exportPolicy({ agents: await surface.listAgents(), grants: await surface.listGrants(), sites: await surface.listAllowedSites() });
  };
  const plan = async (policy: OwnerParams<'planPolicy'>['policy']): Promise<OwnerResult<'planPolicy'>> => {
    const changes = planPolicy(await current(), canonicalPolicy(PolicyFile.parse(policy), deps.urlPolicy));
    return { changes, digest: digestOf(changes) };
  };
  return {
    exportPolicy: current,
    planPolicy: ({ policy }) => plan(policy),
    applyPolicy: async ({ policy, digest }) => {
      const planned = await plan(policy);
      if (planned.digest !== digest) {
        throw new LatchkeyError(ErrorCode.PolicyStale, 'The wallet changed since the plan you confirmed; nothing was applied.', {
          hint: 'Run `latchkey policy diff FILE` again and apply what it shows.',
        });
      }
      await applyPolicy({ ...deps.surface(), allowSite: deps.allowSite }, planned.changes);
      return planned;
    },
  };
}
