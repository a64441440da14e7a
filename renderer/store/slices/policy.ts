/**
 * Grants as code from the window (T41): the policy file exported, a file read and planned, and the
 * plan the owner confirmed applied by its digest. Failures go back to the screen that asked.
 */
import { formatPolicy, parsePolicyText, type PolicyPlan } from '../../../shared/policy.js';
import { outcomeOf } from '../errors.js';
import type { PlannedPolicy, PolicySlice, SliceContext } from '../types.js';

export function createPolicySlice({ client, get }: SliceContext): PolicySlice {
  return {
    exportPolicyText: () => outcomeOf(async () => formatPolicy(await client.call('exportPolicy', {}))),
    planPolicyText: (text) =>
      outcomeOf(async (): Promise<PlannedPolicy> => {
        const policy = parsePolicyText(text);
        return { policy, plan: await client.call('planPolicy', { policy }) };
      }),
    applyPolicy: async ({ policy, plan }) => {
      const applied = await outcomeOf((): Promise<PolicyPlan> => client.call('applyPolicy', { policy, digest: plan.digest }));
      // The wallet's events re-read these too; reading them here shows the result at once.
      const state = get();
      if (applied.ok) await Promise.all([state.loadAgents(), state.loadGrants(), state.loadAllowedSites()]);
      return applied;
    },
  };
}
