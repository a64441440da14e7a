/**
 * A scriptable in-memory Wallet for CLI tests. Records every call; `connect` replays the
 * progress events a real connect emits and can be made to wait for the browser until aborted.
 * Agents, sessions, grants, approvals and audit events live in `world`, seeded from the options.
 */
import type { AgentKind, AgentSummary, Approval, ApprovalStatus, AuditEvent, Grant, GrantRevocation, SessionSummary } from '../../shared/agents.js';
import type { AuditFilter, AuditVerification, CreateGrantInput, UpdateGrantInput } from '../../shared/api.js';
import type { AccessTokenResult, ConnectionSummary, ConnectProgress, DisconnectResult } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { AccessTokenOptions, ClientSummary, ConnectOptions, PreRegisteredClient, VaultStatus } from '../../shared/api.js';
import type { Wallet } from '../../electron/wallet/wallet-api.js';

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
  agents?: AgentSummary[];
  sessions?: SessionSummary[];
  grants?: Grant[];
  approvals?: Approval[];
  audit?: AuditEvent[];
  /** What verifyAudit returns; default: intact, as many entries as `audit`. */
  auditVerification?: AuditVerification;
  /** The fake's clock (created/decided times, active sessions). Default: the harness's fixed now. */
  now?: () => number;
}

export interface FakeWalletCalls extends AgentCalls {
  connect: Array<{ url: string; options: ConnectOptions | undefined }>;
  accessToken: Array<{ url: string; options: AccessTokenOptions | undefined }>;
  disconnect: string[];
  setClient: PreRegisteredClient[];
  removeClient: string[];
  closed: number;
}

export interface FakeWallet extends Wallet {
  calls: FakeWalletCalls;
  /** The in-memory agents, sessions, grants, approvals and audit events, as they are now. */
  world: AgentWorld;
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
  const calls: FakeWalletCalls = {
    connect: [],
    accessToken: [],
    disconnect: [],
    setClient: [],
    removeClient: [],
    closed: 0,
    enrolAgent: [],
    removeAgent: [],
    listSessions: [],
    endSession: [],
    listGrants: [],
    createGrant: [],
    updateGrant: [],
    revokeGrant: [],
    listApprovals: [],
    decideApproval: [],
    queryAudit: [],
  };
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

  const world: AgentWorld = {
    agents: [...(options.agents ?? [])],
    sessions: [...(options.sessions ?? [])],
    grants: [...(options.grants ?? [])],
    approvals: [...(options.approvals ?? [])],
    audit: [...(options.audit ?? [])],
    ...(options.auditVerification === undefined ? {} : { verification: options.auditVerification }),
  };
  const now = options.now ?? (() => 1_700_000_000_000);

  return {
    ...agentMethods(world, calls, fail, now),
    subscribe: () => () => undefined,
    calls,
    world,
    vaultStatus: { mode: 'memory', backend: 'memory', path: '/tmp/fake', ...options.vaultStatus },
    async connect(params, control) {
      const { url } = params;
      const connectOptions = { ...params, ...control };
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
    async accessToken({ url, ...params }, callOptions) {
      const tokenOptions = { ...params, ...callOptions };
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
    async disconnect({ url }): Promise<DisconnectResult> {
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
      return null;
    },
    async status() {
      return { mode: 'memory', backend: 'memory', path: '/tmp/fake', ...options.vaultStatus };
    },
    async removeClient({ issuer }) {
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

/** A valid id (shared `Id`) with a readable tail: fakeId('agt', 1) → agt_0000000000000001. */
export function fakeId(prefix: string, n: number): string {
  return `${prefix}_${String(n).padStart(16, '0')}`;
}

export const AGENT_SECRET = 'lk_agent_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

export function sampleAgent(overrides: Partial<AgentSummary> = {}): AgentSummary {
  return { id: fakeId('agt', 1), name: 'ci-bot', kind: 'autonomous', createdAt: 1_699_990_000_000, ...overrides };
}

export function sampleSession(overrides: Partial<SessionSummary> = {}): SessionSummary {
  return { id: fakeId('ses', 1), agentId: fakeId('agt', 1), createdAt: 1_699_999_000_000, expiresAt: 1_700_028_800_000, pid: 4242, command: 'node agent.js', ...overrides };
}

export function sampleGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: fakeId('grt', 1),
    agentId: fakeId('agt', 1),
    resource: 'https://mcp.example.com/mcp',
    scopes: ['files:read'],
    maxTokenLifetimeSeconds: 900,
    mode: 'allow',
    createdAt: 1_699_990_000_000,
    narrowing: 'ok',
    ...overrides,
  };
}

export function sampleApproval(overrides: Partial<Approval> = {}): Approval {
  return {
    id: fakeId('apr', 1),
    kind: 'consent',
    agentId: fakeId('agt', 1),
    agentName: 'ci-bot',
    resource: 'https://mcp.example.com/mcp',
    scopes: ['files:read'],
    lifetimeSeconds: 900,
    createdAt: 1_699_999_970_000,
    expiresAt: 1_700_000_090_000,
    status: 'pending',
    ...overrides,
  };
}

export function sampleAuditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq: 1,
    time: 1_699_999_000_000,
    type: 'token.issued',
    agentId: fakeId('agt', 1),
    agentName: 'ci-bot',
    sessionId: fakeId('ses', 1),
    resource: 'https://mcp.example.com/mcp',
    scopes: ['files:read'],
    outcome: 'ok',
    tokenFingerprint: 'sha256:AbCdEf012345',
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    ...overrides,
  };
}

export interface AgentWorld {
  agents: AgentSummary[];
  sessions: SessionSummary[];
  grants: Grant[];
  approvals: Approval[];
  audit: AuditEvent[];
  verification?: AuditVerification;
  /** What revokeGrant says about tokens already handed out (default: none). */
  revocation?: Omit<GrantRevocation, 'grantId'>;
}

export interface AgentCalls {
  enrolAgent: Array<{ name: string; kind: AgentKind | undefined }>;
  removeAgent: string[];
  listSessions: Array<{ agent?: string; active?: boolean } | undefined>;
  endSession: Array<{ id: string; reason: string | undefined }>;
  listGrants: Array<{ agent?: string } | undefined>;
  createGrant: CreateGrantInput[];
  updateGrant: UpdateGrantInput[];
  revokeGrant: string[];
  listApprovals: Array<{ status?: ApprovalStatus } | undefined>;
  decideApproval: Array<{ id: string; decision: 'approve' | 'deny'; options: { remember?: boolean } | undefined }>;
  queryAudit: Array<AuditFilter | undefined>;
}

type AgentMethods = Pick<
  Wallet,
  | 'listAgents' | 'enrolAgent' | 'removeAgent' | 'listSessions' | 'startSession' | 'endSession' | 'listGrants'
  | 'createGrant' | 'updateGrant' | 'revokeGrant' | 'listApprovals' | 'decideApproval' | 'queryAudit' | 'verifyAudit'
  | 'listAllowedSites' | 'removeAllowedSite'
>;

/**
 * The agent/grant/approval/audit methods over an in-memory world: enough behaviour for CLI tests
 * (ids or names resolve, not-found errors carry the real codes), no policy. `startSession` is
 * not scripted.
 */
function agentMethods(world: AgentWorld, calls: AgentCalls, fail: () => void, now: () => number): AgentMethods {
  const findAgent = (idOrName: string): AgentSummary | undefined => world.agents.find((a) => a.id === idOrName || a.name === idOrName);
  const requireAgent = (idOrName: string): AgentSummary => {
    const agent = findAgent(idOrName);
    if (agent === undefined) throw new LatchkeyError(ErrorCode.AgentNotFound, `There is no agent "${idOrName}".`);
    return agent;
  };
  const requireIndex = <T extends { id: string }>(items: T[], id: string, code: ErrorCode, what: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw new LatchkeyError(code, `There is no ${what} ${id}.`);
    return index;
  };
  const isActive = (session: SessionSummary): boolean => session.endedAt === undefined && session.expiresAt > now();
  return {
    async listAgents() {
      fail();
      return [...world.agents];
    },
    async enrolAgent({ name, kind }) {
      calls.enrolAgent.push({ name, kind });
      fail();
      if (findAgent(name) !== undefined) throw new LatchkeyError(ErrorCode.AgentExists, `An agent named "${name}" exists already.`);
      const agent = sampleAgent({ id: fakeId('agt', world.agents.length + 100), name, kind: kind ?? 'interactive', createdAt: now() });
      world.agents.push(agent);
      return { agent, secret: AGENT_SECRET };
    },
    async removeAgent({ agent: idOrName }) {
      calls.removeAgent.push(idOrName);
      fail();
      const agent = requireAgent(idOrName);
      world.agents = world.agents.filter((a) => a.id !== agent.id);
      world.grants = world.grants.filter((g) => g.agentId !== agent.id);
      return agent;
    },
    async listSessions(filter) {
      calls.listSessions.push(filter);
      fail();
      const agentId = filter?.agent === undefined ? undefined : requireAgent(filter.agent).id;
      return world.sessions.filter((s) => (agentId === undefined || s.agentId === agentId) && (filter?.active === undefined || isActive(s) === filter.active));
    },
    startSession: () => Promise.reject(new LatchkeyError(ErrorCode.Internal, 'fake wallet: startSession is not scripted')),
    async endSession({ id, reason }) {
      calls.endSession.push({ id, reason });
      fail();
      const index = requireIndex(world.sessions, id, ErrorCode.SessionExpired, 'session');
      const session = world.sessions[index];
      if (session !== undefined) world.sessions[index] = { ...session, endedAt: now(), endReason: reason ?? 'revoked' };
      return null;
    },
    async listGrants(filter) {
      calls.listGrants.push(filter);
      fail();
      const agentId = filter?.agent === undefined ? undefined : requireAgent(filter.agent).id;
      return world.grants.filter((g) => agentId === undefined || g.agentId === agentId);
    },
    async createGrant(input) {
      calls.createGrant.push(input);
      fail();
      const grant = sampleGrant({
        id: fakeId('grt', world.grants.length + 100),
        agentId: requireAgent(input.agent).id,
        resource: input.resource,
        scopes: input.scopes,
        mode: input.mode ?? 'allow',
        createdAt: now(),
        narrowing: 'unknown',
        ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
      });
      // Like the wallet: without a maximum, tokens live as the server issues them.
      if (input.maxTokenLifetimeSeconds === undefined) delete grant.maxTokenLifetimeSeconds;
      else grant.maxTokenLifetimeSeconds = input.maxTokenLifetimeSeconds;
      world.grants.push(grant);
      return grant;
    },
    async updateGrant(input) {
      calls.updateGrant.push(input);
      fail();
      const index = requireIndex(world.grants, input.id, ErrorCode.GrantNotFound, 'grant');
      const { expiresAt, ...old } = world.grants[index] ?? sampleGrant();
      const keptExpiry = input.expiresAt === undefined ? expiresAt : (input.expiresAt ?? undefined);
      const grant: Grant = {
        ...old,
        ...(input.scopes === undefined ? {} : { scopes: input.scopes }),
        ...(input.maxTokenLifetimeSeconds === undefined || input.maxTokenLifetimeSeconds === null ? {} : { maxTokenLifetimeSeconds: input.maxTokenLifetimeSeconds }),
        ...(input.mode === undefined ? {} : { mode: input.mode }),
        ...(keptExpiry === undefined ? {} : { expiresAt: keptExpiry }),
      };
      if (input.maxTokenLifetimeSeconds === null) delete grant.maxTokenLifetimeSeconds;
      world.grants[index] = grant;
      return grant;
    },
    async revokeGrant({ id }) {
      calls.revokeGrant.push(id);
      fail();
      world.grants.splice(requireIndex(world.grants, id, ErrorCode.GrantNotFound, 'grant'), 1);
      return { grantId: id, ...(world.revocation ?? { revokedTokens: 0, unrevokedTokens: 0 }) };
    },
    async listApprovals(filter) {
      calls.listApprovals.push(filter);
      fail();
      return world.approvals.filter((a) => filter?.status === undefined || a.status === filter.status);
    },
    async decideApproval({ id, decision, remember }) {
      const options = remember === undefined ? {} : { remember };
      calls.decideApproval.push({ id, decision, options });
      fail();
      const index = requireIndex(world.approvals, id, ErrorCode.ApprovalNotFound, 'approval');
      const old = world.approvals[index] ?? sampleApproval();
      if (old.status !== 'pending') return old;
      const approval: Approval = {
        ...old,
        status: decision === 'approve' ? 'approved' : 'denied',
        decidedAt: now(),
        ...(decision === 'approve' && options?.remember === true ? { remembered: true } : {}),
      };
      world.approvals[index] = approval;
      return approval;
    },
    async listAllowedSites() {
      return [];
    },
    async removeAllowedSite() {
      return false;
    },
    async queryAudit(filter) {
      calls.queryAudit.push(filter);
      fail();
      const matching = world.audit.filter(
        (e) =>
          (filter?.agentId === undefined || e.agentId === filter.agentId) &&
          (filter?.resource === undefined || e.resource === filter.resource) &&
          (filter?.outcome === undefined || e.outcome === filter.outcome) &&
          (filter?.type === undefined || e.type === filter.type) &&
          (filter?.since === undefined || e.time >= filter.since),
      );
      return filter?.limit === undefined ? matching : matching.slice(-filter.limit);
    },
    async verifyAudit() {
      fail();
      return world.verification ?? { ok: true, count: world.audit.length };
    },
  };
}
