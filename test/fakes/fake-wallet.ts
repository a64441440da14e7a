/**
 * A scriptable in-memory Wallet for CLI tests. Records every call; `connect` replays the
 * progress events a real connect emits and can be made to wait for the browser until aborted.
 */
import type { AccessTokenResult, ConnectionSummary, ConnectProgress, DisconnectResult } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type {
  AccessTokenOptions,
  ClientSummary,
  ConnectOptions,
  PreRegisteredClient,
  VaultStatus,
  Wallet,
} from '../../electron/core/wallet-api.js';

export interface FakeWalletOptions {
  connections?: ConnectionSummary[];
  clients?: ClientSummary[];
  vaultStatus?: Partial<VaultStatus>;
  /** 'complete' finishes at once; 'wait-for-abort' stays in the browser step until the signal aborts. */
  browser?: 'complete' | 'wait-for-abort';
  /** Thrown by every call, to test error output. */
  failWith?: unknown;
  token?: AccessTokenResult;
  /** Called when connect observes its signal aborting. */
  onAbortObserved?: () => void;
}

export interface FakeWalletCalls {
  connect: Array<{ url: string; options: ConnectOptions | undefined }>;
  accessToken: Array<{ url: string; options: AccessTokenOptions | undefined }>;
  disconnect: string[];
  setClient: PreRegisteredClient[];
  removeClient: string[];
  closed: number;
}

export interface FakeWallet extends Wallet {
  calls: FakeWalletCalls;
}

export const AUTHORIZATION_URL = 'https://as.example.com/authorize?client_id=abc&state=xyz&code_challenge=c&code_challenge_method=S256';

export function sampleConnection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return {
    resource: 'https://mcp.example.com/mcp',
    issuer: 'https://as.example.com',
    clientId: 'client-123',
    registration: 'dcr',
    scopes: ['files:read', 'files:write'],
    status: 'ok',
    accessTokenExpiresAt: 1_700_000_600_000,
    hasRefreshToken: true,
    connectedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function createFakeWallet(options: FakeWalletOptions = {}): FakeWallet {
  const connections = [...(options.connections ?? [])];
  const clients = [...(options.clients ?? [])];
  const calls: FakeWalletCalls = { connect: [], accessToken: [], disconnect: [], setClient: [], removeClient: [], closed: 0 };
  const fail = (): void => {
    if (options.failWith !== undefined) throw options.failWith;
  };

  const waitForAbort = (signal: AbortSignal | undefined): Promise<never> =>
    new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        options.onAbortObserved?.();
        reject(new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The browser sign-in was cancelled.'));
      };
      if (signal === undefined) return;
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });

  return {
    ...unscripted(),
    calls,
    vaultStatus: { mode: 'memory', backend: 'memory', path: '/tmp/fake', ...options.vaultStatus },
    async connect(url, connectOptions) {
      calls.connect.push({ url, options: connectOptions });
      fail();
      const emit = (event: ConnectProgress): void => connectOptions?.onProgress?.(event);
      const connection = sampleConnection({ resource: url, ...(connectOptions?.scopes === undefined ? {} : { scopes: connectOptions.scopes }) });
      emit({ step: 'probing', resource: url });
      emit({ step: 'discovered', resource: url, issuer: connection.issuer });
      emit({ step: 'registered', issuer: connection.issuer, clientId: connection.clientId, registration: connection.registration });
      emit({ step: 'browser', authorizationUrl: AUTHORIZATION_URL, timeoutMs: connectOptions?.timeoutMs ?? 300_000 });
      if (options.browser === 'wait-for-abort') await waitForAbort(connectOptions?.signal);
      emit({ step: 'exchanging' });
      emit({ step: 'connected', connection });
      connections.push(connection);
      return connection;
    },
    async listConnections() {
      fail();
      return [...connections];
    },
    async accessToken(url, tokenOptions) {
      calls.accessToken.push({ url, options: tokenOptions });
      fail();
      return (
        options.token ?? { accessToken: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.sig', tokenType: 'Bearer', expiresAt: 1_700_000_600_000, scope: ['files:read'] }
      );
    },
    async handleAuthChallenge() {
      fail();
      throw new LatchkeyError(ErrorCode.Internal, 'not used by the CLI');
    },
    async disconnect(url): Promise<DisconnectResult> {
      calls.disconnect.push(url);
      fail();
      return { resource: url, revocation: 'revoked' };
    },
    async listClients() {
      fail();
      return [...clients];
    },
    async setClient(client) {
      calls.setClient.push(client);
      fail();
    },
    async removeClient(issuer) {
      calls.removeClient.push(issuer);
      fail();
      const index = clients.findIndex((c) => c.issuer === issuer);
      if (index < 0) return false;
      clients.splice(index, 1);
      return true;
    },
    async close() {
      calls.closed += 1;
    },
  };
}

/** The agent/grant/approval/audit methods the connection-level CLI tests do not script. */
function unscripted(): Pick<
  Wallet,
  | 'listAgents' | 'enrolAgent' | 'removeAgent' | 'listSessions' | 'startSession' | 'endSession' | 'listGrants'
  | 'createGrant' | 'updateGrant' | 'revokeGrant' | 'listApprovals' | 'decideApproval' | 'queryAudit' | 'verifyAudit'
> {
  const no = (name: string) => () => Promise.reject(new LatchkeyError(ErrorCode.Internal, `fake wallet: ${name} is not scripted`));
  return {
    listAgents: no('listAgents'),
    enrolAgent: no('enrolAgent'),
    removeAgent: no('removeAgent'),
    listSessions: no('listSessions'),
    startSession: no('startSession'),
    endSession: no('endSession'),
    listGrants: no('listGrants'),
    createGrant: no('createGrant'),
    updateGrant: no('updateGrant'),
    revokeGrant: no('revokeGrant'),
    listApprovals: no('listApprovals'),
    decideApproval: no('decideApproval'),
    queryAudit: no('queryAudit'),
    verifyAudit: no('verifyAudit'),
  };
}
