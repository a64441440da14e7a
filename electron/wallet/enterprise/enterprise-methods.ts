/**
 * The owner methods of enterprise-managed authorization (R7): status, set, sign-in, forget. Each
 * change is recorded through `record` (the owner surface's audited owner changes), with the
 * identity provider's issuer and never a secret or token.
 */
import type { OwnerApi } from '../../../shared/api.js';
import type { EnterpriseIdentity } from './enterprise-identity.js';

export type EnterpriseMethods = Pick<OwnerApi, 'enterpriseStatus' | 'setEnterprise' | 'enterpriseSignIn' | 'forgetEnterprise'>;

export interface EnterpriseMethodsDeps {
  enterprise: EnterpriseIdentity;
  record: (change: { type: 'enterprise.set' | 'enterprise.signed_in' | 'enterprise.forgotten'; issuer?: string }) => Promise<unknown>;
}

export function createEnterpriseMethods({ enterprise, record }: EnterpriseMethodsDeps): EnterpriseMethods {
  return {
    enterpriseStatus: async () => enterprise.status(),
    setEnterprise: async ({ issuer, clientId, clientSecret }) => {
      const status = await enterprise.configure({ issuer, clientId, ...(clientSecret === undefined ? {} : { clientSecret }) });
      await record({ type: 'enterprise.set', ...(status.issuer === undefined ? {} : { issuer: status.issuer }) });
      return status;
    },
    enterpriseSignIn: async ({ timeoutMs } = {}, options = {}) => {
      const status = await enterprise.signIn({ timeoutMs, signal: options.signal });
      await record({ type: 'enterprise.signed_in', ...(status.issuer === undefined ? {} : { issuer: status.issuer }) });
      return status;
    },
    forgetEnterprise: async () => {
      const issuer = enterprise.status().issuer;
      const forgotten = await enterprise.forget();
      if (forgotten) await record({ type: 'enterprise.forgotten', ...(issuer === undefined ? {} : { issuer }) });
      return forgotten;
    },
  };
}
