/**
 * The organisation's identity provider (enterprise-managed authorization): where the owner's
 * sign-in there stands, naming the provider, signing in (in the browser) and forgetting it. The
 * card that asks shows a refusal inline (the server's code, message and hint), so no notice here.
 */
import { outcomeOf } from '../errors.js';
import { singleFlight } from '../single-flight.js';
import type { EnterpriseSlice, SliceContext } from '../types.js';

export function createEnterpriseSlice({ client, set, track }: SliceContext): EnterpriseSlice {
  const loadEnterprise = singleFlight(() =>
    track('enterprise', async () => {
      set({ enterprise: await client.call('enterpriseStatus', {}) });
    }),
  );

  return {
    enterprise: undefined,
    loadEnterprise,
    setEnterprise: async (params) => {
      const outcome = await outcomeOf(() => client.call('setEnterprise', params));
      if (outcome.ok) set({ enterprise: outcome.value });
      return outcome;
    },
    signInEnterprise: async (timeoutMs) => {
      const outcome = await outcomeOf(() => client.call('enterpriseSignIn', timeoutMs === undefined ? {} : { timeoutMs }));
      // A refused or abandoned sign-in may still have changed where it stands (an expired one forgotten).
      if (outcome.ok) set({ enterprise: outcome.value });
      else await loadEnterprise();
      return outcome;
    },
    forgetEnterprise: async () => {
      const outcome = await outcomeOf(() => client.call('forgetEnterprise', {}));
      await loadEnterprise();
      return outcome;
    },
  };
}
