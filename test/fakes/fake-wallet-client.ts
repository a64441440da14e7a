/**
 * An in-memory WalletClient for renderer tests: the owner API over a small world, every call
 * validated with the contract's schemas (as a real transport would) and recorded; live events are
 * emitted by the test; `connect` replays progress and waits in the browser step until told.
 */
import type { AgentSummary, Approval, AuditEvent, Grant, GrantRevocation, SessionSummary } from '../../shared/agents.js';
import {
  OwnerMethods,
  type AuditVerification,
  type ConnectParams,
  type OwnerMethodName,
  type OwnerParams,
  type OwnerResult,
  type WalletClient,
  type WalletEvent,
  type AllowedSite,
} from '../../shared/api.js';
import type { ConnectionSummary, ConnectProgress } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { AGENT_SECRET, AUTHORIZATION_URL, fakeId, sampleAgent, sampleConnection, sampleGrant } from './fake-wallet.js';

export interface ClientWorld {
  connections: ConnectionSummary[];
  agents: AgentSummary[];
  sessions: SessionSummary[];
  grants: Grant[];
  approvals: Approval[];
  audit: AuditEvent[];
  allowedSites: AllowedSite[];
  status: OwnerResult<'status'>;
  verification?: AuditVerification;
  /** What revokeGrant says about tokens already handed out (default: none). */
  revocation?: Omit<GrantRevocation, 'grantId'>;
}

export interface RecordedCall {
  method: OwnerMethodName | 'connect';
  params: unknown;
}

export interface FakeWalletClient extends WalletClient {
  world: ClientWorld;
  calls: RecordedCall[];
  /** The params of every call to `method`, in order. */
  callsTo<M extends OwnerMethodName>(method: M): Array<OwnerParams<M>>;
  /** Delivers a live event to every subscriber. */
  emit(event: WalletEvent): void;
  readonly subscribers: number;
  /** The next call to `method` throws `error`. */
  failNext(method: OwnerMethodName, error: unknown): void;
  /** Calls to `method` wait until the returned release is called. */
  hold(method: OwnerMethodName): () => void;
  /** Resolves with the authorization URL once a connect reaches the browser step. */
  browserReached(): Promise<string>;
  /** Ends the browser step of the running connect: connected, or failed with `error`. */
  finishBrowser(error?: unknown): void;
}

type Handlers = { [M in OwnerMethodName]: (params: OwnerParams<M>) => OwnerResult<M> };

function notScripted(method: string): never {
  throw new LatchkeyError(ErrorCode.Internal, `fake wallet client: ${method} is not scripted`);
}

export function createFakeWalletClient(seed: Partial<ClientWorld> = {}): FakeWalletClient {
  const world: ClientWorld = {
    connections: [],
    agents: [],
    sessions: [],
    grants: [],
    approvals: [],
    audit: [],
    allowedSites: [],
    status: { mode: 'keychain', backend: 'Secret Service (keytar)', path: '/home/owner/.latchkey/vault.json' },
    ...seed,
  };
  const calls: RecordedCall[] = [];
  const listeners = new Set<(event: WalletEvent) => void>();
  const failures = new Map<OwnerMethodName, unknown>();
  const holds = new Map<OwnerMethodName, Promise<void>>();
  let browserWaiters: Array<(url: string) => void> = [];
  let finishBrowser: ((error?: unknown) => void) | undefined;

  const find = <T extends { id: string }>(items: T[], id: string, code: ErrorCode, what: string): T => {
    const item = items.find((candidate) => candidate.id === id);
    if (item === undefined) throw new LatchkeyError(code, `There is no ${what} ${id}.`, { hint: 'Reload the list.' });
    return item;
  };
  const findAgent = (idOrName: string): AgentSummary => {
    const agent = world.agents.find((a) => a.id === idOrName || a.name === idOrName);
    if (agent === undefined) throw new LatchkeyError(ErrorCode.AgentNotFound, `There is no agent "${idOrName}".`);
    return agent;
  };

  const handlers: Handlers = {
    status: () => world.status,
    listConnections: () => [...world.connections],
    accessToken: () => notScripted('accessToken'),
    handleAuthChallenge: () => notScripted('handleAuthChallenge'),
    disconnect: ({ url }) => {
      if (!world.connections.some((c) => c.resource === url)) throw new LatchkeyError(ErrorCode.NotConnected, `Not connected to ${url}.`);
      world.connections = world.connections.filter((c) => c.resource !== url);
      return { resource: url, revocation: 'revoked' };
    },
    listClients: () => [],
    setClient: () => notScripted('setClient'),
    removeClient: () => notScripted('removeClient'),
    listAgents: () => [...world.agents],
    enrolAgent: ({ name, kind }) => {
      if (world.agents.some((a) => a.name === name)) throw new LatchkeyError(ErrorCode.AgentExists, `An agent named "${name}" exists already.`);
      const agent = sampleAgent({ id: fakeId('agt', world.agents.length + 100), name, kind: kind ?? 'interactive', createdAt: Date.now() });
      world.agents = [...world.agents, agent];
      return { agent, secret: AGENT_SECRET };
    },
    removeAgent: ({ agent }) => {
      const found = findAgent(agent);
      world.agents = world.agents.filter((a) => a.id !== found.id);
      world.grants = world.grants.filter((g) => g.agentId !== found.id);
      return found;
    },
    listSessions: ({ agent, active }) =>
      world.sessions.filter((s) => (agent === undefined || s.agentId === findAgent(agent).id) && (active === undefined || (s.endedAt === undefined) === active)),
    startSession: () => notScripted('startSession'),
    endSession: ({ id, reason }) => {
      const session = find(world.sessions, id, ErrorCode.SessionExpired, 'session');
      world.sessions = world.sessions.map((s) => (s === session ? { ...s, endedAt: Date.now(), endReason: reason ?? 'revoked' } : s));
      return null;
    },
    listGrants: ({ agent }) => world.grants.filter((g) => agent === undefined || g.agentId === findAgent(agent).id),
    createGrant: ({ agent, resource, scopes, maxTokenLifetimeSeconds, mode }) => {
      const grant = sampleGrant({
        id: fakeId('grt', world.grants.length + 100),
        agentId: findAgent(agent).id,
        resource,
        scopes,
        mode: mode ?? 'allow',
        ...(maxTokenLifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds }),
      });
      if (maxTokenLifetimeSeconds === undefined) delete grant.maxTokenLifetimeSeconds;
      world.grants = [...world.grants, grant];
      return grant;
    },
    updateGrant: ({ id, scopes, maxTokenLifetimeSeconds, expiresAt, mode }) => {
      const grant = find(world.grants, id, ErrorCode.GrantNotFound, 'grant');
      const { expiresAt: _old, ...rest } = grant;
      const next: Grant = {
        ...rest,
        ...(scopes === undefined ? {} : { scopes }),
        ...(maxTokenLifetimeSeconds === undefined || maxTokenLifetimeSeconds === null ? {} : { maxTokenLifetimeSeconds }),
        ...(mode === undefined ? {} : { mode }),
        ...(expiresAt === null ? {} : { expiresAt: expiresAt ?? grant.expiresAt }),
      };
      if (maxTokenLifetimeSeconds === null) delete next.maxTokenLifetimeSeconds;
      world.grants = world.grants.map((g) => (g === grant ? next : g));
      return next;
    },
    revokeGrant: ({ id }) => {
      find(world.grants, id, ErrorCode.GrantNotFound, 'grant');
      world.grants = world.grants.filter((g) => g.id !== id);
      return { grantId: id, ...(world.revocation ?? { revokedTokens: 0, unrevokedTokens: 0 }) };
    },
    listApprovals: ({ status }) => world.approvals.filter((a) => status === undefined || a.status === status),
    decideApproval: ({ id, decision, remember }) => {
      const approval = find(world.approvals, id, ErrorCode.ApprovalNotFound, 'pending approval');
      if (approval.status !== 'pending') throw new LatchkeyError(ErrorCode.ApprovalNotFound, `Approval ${id} was decided already.`);
      const decided: Approval = { ...approval, status: decision === 'approve' ? 'approved' : 'denied', decidedAt: Date.now(), ...(remember === true ? { remembered: true } : {}) };
      world.approvals = world.approvals.map((a) => (a === approval ? decided : a));
      return decided;
    },
    listAllowedSites: ({ server }) => world.allowedSites.filter((entry) => server === undefined || entry.server === server),
    removeAllowedSite: ({ server, site }) => {
      const before = world.allowedSites.length;
      world.allowedSites = world.allowedSites.filter((entry) => !(entry.server === server && entry.site === site));
      return world.allowedSites.length < before;
    },
    queryAudit: ({ agentId, resource, outcome, type, since, limit }) => {
      const found = world.audit.filter(
        (e) =>
          (agentId === undefined || e.agentId === agentId) &&
          (resource === undefined || e.resource === resource) &&
          (outcome === undefined || e.outcome === outcome) &&
          (type === undefined || e.type === type) &&
          (since === undefined || e.time >= since),
      );
      return limit === undefined ? found : found.slice(-limit);
    },
    verifyAudit: () => world.verification ?? { ok: true, count: world.audit.length },
  };

  const client: FakeWalletClient = {
    world,
    calls,
    callsTo: <M extends OwnerMethodName>(method: M) => calls.filter((c) => c.method === method).map((c) => c.params as OwnerParams<M>),
    emit: (event) => {
      for (const listener of [...listeners]) listener(event);
    },
    get subscribers() {
      return listeners.size;
    },
    failNext: (method, error) => {
      failures.set(method, error);
    },
    hold: (method) => {
      let release: () => void = () => undefined;
      holds.set(method, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        holds.delete(method);
        release();
      };
    },
    browserReached: () =>
      new Promise<string>((resolve) => (finishBrowser === undefined ? browserWaiters.push(resolve) : resolve(AUTHORIZATION_URL))),
    finishBrowser: (error) => {
      if (finishBrowser === undefined) throw new Error('fake wallet client: no connect is waiting for the browser');
      finishBrowser(error);
    },

    async call<M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> {
      calls.push({ method, params });
      const parsed = OwnerMethods[method].params.parse(params) as OwnerParams<M>;
      await holds.get(method);
      if (failures.has(method)) {
        const error = failures.get(method);
        failures.delete(method);
        throw error;
      }
      const handler = handlers[method] as (p: OwnerParams<M>) => OwnerResult<M>;
      return structuredClone(handler(parsed));
    },

    async connect(params: ConnectParams, onProgress: (progress: ConnectProgress) => void): Promise<ConnectionSummary> {
      calls.push({ method: 'connect', params });
      const connection = sampleConnection({ resource: params.url, ...(params.scopes === undefined ? {} : { scopes: params.scopes }) });
      onProgress({ step: 'probing', resource: params.url });
      onProgress({ step: 'discovered', resource: params.url, issuer: connection.issuer });
      onProgress({ step: 'registered', issuer: connection.issuer, clientId: connection.clientId, registration: connection.registration });
      onProgress({ step: 'browser', authorizationUrl: AUTHORIZATION_URL, timeoutMs: params.timeoutMs ?? 300_000 });
      const outcome = new Promise<unknown>((resolve) => (finishBrowser = resolve));
      for (const waiter of browserWaiters) waiter(AUTHORIZATION_URL);
      browserWaiters = [];
      const error = await outcome;
      finishBrowser = undefined;
      if (error !== undefined) throw error;
      onProgress({ step: 'exchanging' });
      world.connections = [...world.connections.filter((c) => c.resource !== params.url), connection];
      onProgress({ step: 'connected', connection });
      return connection;
    },

    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return client;
}
