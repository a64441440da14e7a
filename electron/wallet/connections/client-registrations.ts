/**
 * The owner's client registrations, one per authorization server: listed (never a secret),
 * pre-registered by hand (`latchkey client add`), removed. Registrations made by a sign-in
 * (DCR, CIMD) are authorize-connection.ts's.
 */
import type { ClientSummary, PreRegisteredClient } from '../../../shared/api.js';
import { parseSecureUrl } from '../../../shared/url.js';
import type { Clock } from '../../base/ports.js';
import type { NetworkContext } from '../oauth/client-config.js';
import type { ConnectionStore } from './connection-store.js';

export interface ClientRegistrationsDeps {
  store: ConnectionStore;
  net: Pick<NetworkContext, 'policy'>;
  clock: Clock;
}

export class ClientRegistrations {
  constructor(private readonly deps: ClientRegistrationsDeps) {}

  list(): ClientSummary[] {
    return this.deps.store.clients().map((c) => ({
      issuer: c.issuer,
      clientId: c.clientId,
      registration: c.registration,
      hasSecret: c.clientSecret !== undefined,
    }));
  }

  async set(input: PreRegisteredClient): Promise<void> {
    parseSecureUrl(input.issuer, this.deps.net.policy, 'issuer');
    const issuer = input.issuer; // kept exactly as given: issuers are compared as strings
    await this.deps.store.putClient({
      issuer,
      clientId: input.clientId,
      ...(input.clientSecret === undefined ? {} : { clientSecret: input.clientSecret }),
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? (input.clientSecret === undefined ? 'none' : 'client_secret_basic'),
      registration: 'pre-registered',
      redirectUris: [],
      registeredAt: this.deps.clock.now(),
    });
  }

  remove(issuer: string): Promise<boolean> {
    return this.deps.store.removeClient(issuer);
  }
}
