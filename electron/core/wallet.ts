/**
 * The composition root: builds every wallet service from a config and the ports. Nothing else
 * constructs services; hosts (CLI, headless daemon, Electron main) call `openWallet` once.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Fetch, Logger, Opener, SecretStore } from './ports.js';
import { systemClock } from './ports.js';
import { silentLogger } from './log/logger.js';
import { assertTlsVerification, createSafeFetch } from './net/index.js';
import { openVault } from './vault/index.js';
import { ConnectionStore } from './connections/connection-store.js';
import { ConnectionService } from './connections/connection-service.js';
import type { Wallet, WalletConfig } from './wallet-api.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';

export interface WalletPorts {
  fetch: Fetch;
  opener: Opener;
  secretStore: SecretStore;
  clock: Clock;
  logger: Logger;
  env: Record<string, string | undefined>;
}

export function defaultHome(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env['LATCHKEY_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.latchkey');
}

const noOpener: Opener = {
  open: () =>
    Promise.reject(
      new LatchkeyError(ErrorCode.OpenerFailed, 'No browser is available to this Latchkey process.', {
        hint: 'Open the URL shown above in a browser yourself.',
      }),
    ),
};

export async function openWallet(config: WalletConfig, ports: Partial<WalletPorts> = {}): Promise<Wallet> {
  const env = ports.env ?? process.env;
  assertTlsVerification(env); // T06: refuse to run with TLS verification disabled
  const logger = ports.logger ?? silentLogger;
  const clock = ports.clock ?? systemClock;
  const policy = { allowInsecureLoopback: config.allowInsecureLoopback };
  const safeFetch = ports.fetch === undefined ? createSafeFetch({ ...policy, allowedHosts: config.allowedHosts ?? [], env, logger }) : undefined;
  const fetch = ports.fetch ?? safeFetch!;

  const vault = await openVault({
    dir: config.home,
    mode: config.vault.mode,
    ...(ports.secretStore === undefined ? {} : { secretStore: ports.secretStore }),
    ...(config.vault.passphrase === undefined ? {} : { passphrase: config.vault.passphrase }),
    ...(config.vault.lockWaitMs === undefined ? {} : { lockWaitMs: config.vault.lockWaitMs }),
    logger,
  }).catch(async (error: unknown) => {
    await safeFetch?.close();
    throw error;
  });
  const connections = new ConnectionService({
    store: new ConnectionStore(vault),
    net: { fetch, policy },
    opener: ports.opener ?? noOpener,
    clock,
    logger,
    clientMetadataUrl: config.clientMetadataUrl,
  });

  let closed = false;
  return {
    vaultStatus: {
      mode: vault.mode,
      backend: vault.backend,
      ...(vault.warning === undefined ? {} : { warning: vault.warning }),
      path: vault.path,
    },
    connect: (url, options) => connections.connect(url, options),
    listConnections: async () => connections.list(),
    accessToken: (url, options) => connections.accessToken(url, options),
    handleAuthChallenge: (url, status, header, options) => connections.handleAuthChallenge(url, status, header, options),
    disconnect: (url) => connections.disconnect(url),
    listClients: async () => connections.listClients(),
    setClient: (client) => connections.setClient(client),
    removeClient: (issuer) => connections.removeClient(issuer),
    ...agentsNotWiredYet(),
    close: async () => {
      if (closed) return;
      closed = true;
      await vault.close();
      await safeFetch?.close();
    },
  };
}

// Temporary until the agents/grants/approvals/audit services are composed here (issue 3).
function agentsNotWiredYet(): Pick<
  Wallet,
  | 'listAgents' | 'enrolAgent' | 'removeAgent' | 'listSessions' | 'startSession' | 'endSession' | 'listGrants'
  | 'createGrant' | 'updateGrant' | 'revokeGrant' | 'listApprovals' | 'decideApproval' | 'queryAudit' | 'verifyAudit'
> {
  const no = () => Promise.reject(new LatchkeyError(ErrorCode.Internal, 'Agents are not available in this build yet.'));
  return {
    listAgents: no, enrolAgent: no, removeAgent: no, listSessions: no, startSession: no, endSession: no, listGrants: no,
    createGrant: no, updateGrant: no, revokeGrant: no, listApprovals: no, decideApproval: no, queryAudit: no, verifyAudit: no,
  };
}
