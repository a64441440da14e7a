/**
 * The owner's wallet API: the one contract for the wallet and every transport (the CLI in
 * process or talking to a running daemon, Electron IPC, the headless host's HTTP + SSE). Each
 * method names its params and result schema, and what it changes; the wallet's type is derived
 * from it (`OwnerApi`, `WalletApi`), and every call goes through one validated call on the
 * wallet side (electron/wallet/host/owner-call.ts).
 */
import { z } from 'zod';
import { AgentKind, AgentSummary, Approval, DelegationLimits, ApprovalStatus, AuditEvent, AuditType, Grant, GrantMode, GrantRevocation, MAX_TOKEN_LIFETIME_SECONDS, SessionSummary } from './agents.js';
import { AccountLabel, ConnectionSummary, type ConnectProgress } from './connections.js';
import { PolicyFile, PolicyPlan } from './policy.js';

import { IdOrName, Scopes, Url } from './api-fields.js';
import { AddAutonomousAgentParams, AgentClientSummarySchema, EnterpriseStatusSchema, PublicJwks, SetAgentClientParams } from './api-identities.js';

export { AgentClientSummarySchema, EnterpriseStatusSchema } from './api-identities.js';
export type { AddAutonomousAgentParams, EnterpriseStatus, SetAgentClientParams } from './api-identities.js';

/** Collections a change touches: the window reads them again on a `changed` event. */
export const ChangedCollection = z.enum(['connections', 'agents', 'sessions', 'grants', 'allowed-sites', 'clients']);
export type ChangedCollection = z.infer<typeof ChangedCollection>;

export const VaultStatusSchema = z.object({
  mode: z.enum(['keychain', 'passphrase', 'memory']),
  backend: z.string(),
  warning: z.string().optional(),
  path: z.string(),
});
export type VaultStatus = z.infer<typeof VaultStatusSchema>;

/** The agent bridge a daemon serves: its Unix socket, its 127.0.0.1 URL and whether it still listens. */
export const BridgeStatusSchema = z.object({
  listening: z.boolean(),
  socket: z.string().max(4096).optional(),
  /** http://127.0.0.1:<port> */
  url: z.string().max(64).optional(),
});
export type BridgeStatus = z.infer<typeof BridgeStatusSchema>;

/** `status`: the vault, and the bridge when the answering host serves one (absent: it serves none). */
export const HostStatusSchema = VaultStatusSchema.extend({ bridge: BridgeStatusSchema.optional() });

export const ClientSummarySchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  registration: z.enum(['pre-registered', 'cimd', 'dcr']),
  hasSecret: z.boolean(),
});
export type ClientSummary = z.infer<typeof ClientSummarySchema>;

export const AccessTokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.enum(['Bearer', 'DPoP']),
  expiresAt: z.number(),
  scope: z.array(z.string()),
  /** Its whole lifetime as issued, seconds; absent when the server did not say. */
  lifetimeSeconds: z.number().optional(),
});

export const AuditFilter = z
  .object({
    agentId: z.string().max(128).optional(),
    resource: z.string().max(2048).optional(),
    outcome: z.enum(['ok', 'denied', 'error']).optional(),
    type: AuditType.optional(),
    since: z.number().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof AuditFilter>;

/** One audit segment's result (`audit.jsonl`, `audit.000001.jsonl`, …); 'missing': its file is gone (T37). */
export const AuditSegmentVerification = z.object({
  file: z.string().max(256),
  ok: z.boolean(),
  count: z.number().int(),
  firstSeq: z.number().int().optional(),
  lastSeq: z.number().int().optional(),
  problem: z.enum(['changed', 'removed', 'reordered', 'malformed', 'missing']).optional(),
  seq: z.number().int().optional(),
});
export type AuditSegmentVerification = z.infer<typeof AuditSegmentVerification>;

const AuditSegments = z.array(AuditSegmentVerification).max(100_000).optional();

export const AuditVerification = z.union([
  z.object({ ok: z.literal(true), count: z.number().int(), segments: AuditSegments }),
  z.object({ ok: z.literal(false), seq: z.number().int(), problem: z.enum(['changed', 'removed', 'reordered', 'malformed']), segments: AuditSegments }),
]);
export type AuditVerification = z.infer<typeof AuditVerification>;

export const CreateGrantInput = z
  .object({
    agent: IdOrName,
    resource: Url,
    /** Which account on the server (T8); absent: the server's default or only account, pinned when the grant is made. */
    account: AccountLabel.optional(),
    scopes: Scopes,
    maxTokenLifetimeSeconds: z.number().int().min(60).max(MAX_TOKEN_LIFETIME_SECONDS).optional(),
    expiresAt: z.number().optional(),
    mode: GrantMode.optional(),
  })
  .strict();
export type CreateGrantInput = z.infer<typeof CreateGrantInput>;

export const UpdateGrantInput = z
  .object({
    id: z.string(),
    scopes: Scopes.optional(),
    /** null: tokens live as the server issues them. */
    maxTokenLifetimeSeconds: z.number().int().min(60).max(MAX_TOKEN_LIFETIME_SECONDS).nullable().optional(),
    expiresAt: z.number().nullable().optional(),
    mode: GrantMode.optional(),
  })
  .strict();
export type UpdateGrantInput = z.infer<typeof UpdateGrantInput>;

/** A site whose pages a server may open without asking (the owner chose "always allow"). */
export const AllowedSite = z.object({
  /** Canonical MCP server URL. */
  server: z.string(),
  /** Registrable domain (shared/url-facts siteOf). */
  site: z.string(),
  createdAt: z.number(),
});
export type AllowedSite = z.infer<typeof AllowedSite>;

/** `connect` is streamed: progress events, then the connection (or an error). */
export const ConnectParams = z
  .object({
    url: Url,
    /** Sign in as another account on this server (T8): kept as its own connection, with a fresh login at the AS. */
    account: AccountLabel.optional(),
    scopes: Scopes.optional(),
    timeoutMs: z.number().int().min(1_000).max(3_600_000).optional(),
    /** false: the caller opens the sign-in URL itself (the CLI, with the user's BROWSER). */
    openBrowser: z.boolean().optional(),
    /** The caller's --allow-insecure-loopback: refused when the host does not allow it, never widened. */
    allowInsecureLoopback: z.boolean().optional(),
    /** false: leave RFC 8707 `resource` out of this connection's requests (servers that reject it); kept with the connection. */
    sendResource: z.boolean().optional(),
    /** Bind exactly 127.0.0.1:<port> for this connection's browser sign-ins (kept); 0 goes back to an ephemeral port. */
    callbackPort: z.number().int().min(0).max(65_535).optional(),
    /** browser (default): loopback redirect; device: RFC 8628 user code; paste: the caller pastes the address the browser ended on. */
    signIn: z.enum(['browser', 'device', 'paste']).optional(),
    /** Forget Latchkey's own registration with this server's authorization server and register again. */
    reregister: z.boolean().optional(),
    /** Enterprise-managed (R7): tokens from an ID-JAG of the organisation's identity provider, no browser at this server. */
    enterprise: z.boolean().optional(),
  })
  .strict();
export type ConnectParams = z.infer<typeof ConnectParams>;

const SetClientParams = z
  .object({
    issuer: Url,
    clientId: z.string().min(1).max(512),
    clientSecret: z.string().max(4096).optional(),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
  })
  .strict();
/** A client the user registered with an AS themselves (R1, R4). The secret lives in the vault. */
export type PreRegisteredClient = z.infer<typeof SetClientParams>;

const none = [] as const;

/**
 * Every owner method: its params, its result, and `changes`, the collections it changes (an owner
 * change: the wallet audits it and the window hears `changed` for each). `connect` streams
 * progress and is transported separately (ConnectParams).
 */
export const OwnerMethods = {
  status: { params: z.object({}).strict(), result: HostStatusSchema, changes: none },
  listConnections: { params: z.object({}).strict(), result: z.array(ConnectionSummary), changes: none },
  accessToken: {
    params: z.object({ url: Url, account: AccountLabel.optional(), minTtlSeconds: z.number().optional() }).strict(),
    result: AccessTokenSchema,
    changes: none,
  },
  /**
   * A DPoP proof (RFC 9449) for one request with a DPoP-bound connection's token: the method, the
   * request URL (on the connection's origin), `ath` (base64url SHA-256 of the token) and the
   * server's nonce when it asked for one. The key never leaves the wallet; each proof is fresh.
   */
  dpopProof: {
    params: z
      .object({
        url: Url,
        account: AccountLabel.optional(),
        method: z.string().regex(/^[A-Z]{1,16}$/),
        target: Url,
        ath: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
        nonce: z.string().min(1).max(1024).optional(),
      })
      .strict(),
    result: z.object({ proof: z.string() }),
    changes: none,
  },
  handleAuthChallenge: {
    params: z.object({ url: Url, account: AccountLabel.optional(), status: z.number().int(), wwwAuthenticate: z.string().max(16_384).nullable() }).strict(),
    result: AccessTokenSchema,
    changes: none,
  },
  disconnect: {
    params: z.object({ url: Url, account: AccountLabel.optional() }).strict(),
    result: z.object({ resource: z.string(), account: z.string().optional(), revocation: z.enum(['revoked', 'unsupported', 'failed', 'none']) }),
    changes: ['connections'],
  },
  /** Paste sign-in from an owner UI: the address the browser ended on, for a sign-in in progress (checked as the CLI's is). */
  deliverPastedSignIn: { params: z.object({ address: z.string().min(1).max(16_384) }).strict(), result: z.null(), changes: none },
  /** Opens, with the wallet's opener, a page a sign-in in progress shows (its authorization URL or verification URI); nothing else. */
  openSignInPage: { params: z.object({ url: Url }).strict(), result: z.null(), changes: none },
  /** Cancels the connects in progress for this server; false when none was. */
  cancelConnect: { params: z.object({ url: Url }).strict(), result: z.boolean(), changes: none },
  listClients: { params: z.object({}).strict(), result: z.array(ClientSummarySchema), changes: none },
  setClient: { params: SetClientParams, result: z.null(), changes: ['clients'] },
  removeClient: { params: z.object({ issuer: Url }).strict(), result: z.boolean(), changes: ['clients'] },
  /** R5: agents' own clients (all, or one agent's); never a secret or a private key. */
  listAgentClients: { params: z.object({ agent: IdOrName.optional() }).strict(), result: z.array(AgentClientSummarySchema), changes: none },
  /** R5: the agent's own client for a server; `publicJwk` (the public half only) when a key was generated. */
  setAgentClient: {
    params: SetAgentClientParams,
    result: z.object({ client: AgentClientSummarySchema, publicJwk: z.record(z.string(), z.unknown()).optional() }),
    changes: ['clients'],
  },
  /** R7: the organisation's identity provider and the owner's sign-in there. */
  enterpriseStatus: { params: z.object({}).strict(), result: EnterpriseStatusSchema, changes: none },
  setEnterprise: {
    params: z.object({ issuer: Url, clientId: z.string().min(1).max(512), clientSecret: z.string().min(1).max(4096).optional() }).strict(),
    result: EnterpriseStatusSchema,
    changes: ['clients'],
  },
  /**
   * Signs the owner in at the identity provider in the browser (the wallet's opener), once for every
   * enterprise-managed connection. Like connect, a sign-in is audited (enterprise.signed_in) and so
   * live, but not a scripted change: it needs a browser.
   */
  enterpriseSignIn: { params: z.object({ timeoutMs: z.number().int().min(1_000).max(3_600_000).optional() }).strict(), result: EnterpriseStatusSchema, changes: none },
  forgetEnterprise: { params: z.object({}).strict(), result: z.boolean(), changes: ['clients'] },
  /** R5: an autonomous agent, its own client and its grant in one step; nothing is left behind when a step fails. `verified`: the AS issued the client a token. */
  addAutonomousAgent: {
    params: AddAutonomousAgentParams,
    result: z.object({
      agent: AgentSummary,
      secret: z.string(),
      client: AgentClientSummarySchema,
      grant: Grant,
      publicJwk: z.record(z.string(), z.unknown()).optional(),
      verified: z.boolean(),
    }),
    changes: ['agents', 'clients', 'grants'],
  },
  /** R5: the public keys of the agent's own clients (one server's, or all), for the administrator or a client metadata document. */
  agentJwks: { params: z.object({ agent: IdOrName, server: Url.optional() }).strict(), result: PublicJwks, changes: none },
  listAgents: { params: z.object({}).strict(), result: z.array(AgentSummary), changes: none },
  enrolAgent: {
    params: z.object({ name: z.string().min(1).max(64), kind: AgentKind.optional() }).strict(),
    result: z.object({ agent: AgentSummary, secret: z.string() }),
    changes: ['agents'],
  },
  removeAgent: { params: z.object({ agent: IdOrName }).strict(), result: AgentSummary, changes: ['agents', 'grants', 'sessions', 'clients'] },
  /** T40: how far the agent's sessions may delegate; null puts back the defaults (grants as code). */
  setDelegationLimits: { params: z.object({ agent: IdOrName, limits: DelegationLimits.nullable() }).strict(), result: AgentSummary, changes: ['agents'] },
  listSessions: { params: z.object({ agent: IdOrName.optional(), active: z.boolean().optional() }).strict(), result: z.array(SessionSummary), changes: none },
  startSession: {
    params: z
      .object({ agent: IdOrName, ttlSeconds: z.number().int().min(1).max(7 * 24 * 3600), pid: z.number().int().optional(), command: z.string().max(512).optional() })
      .strict(),
    result: z.object({ session: SessionSummary, secret: z.string() }),
    changes: ['sessions'],
  },
  endSession: { params: z.object({ id: z.string(), reason: z.enum(['exited', 'expired', 'revoked']).optional() }).strict(), result: z.null(), changes: ['sessions'] },
  listGrants: { params: z.object({ agent: IdOrName.optional() }).strict(), result: z.array(Grant), changes: none },
  createGrant: { params: CreateGrantInput, result: Grant, changes: ['grants'] },
  updateGrant: { params: UpdateGrantInput, result: Grant, changes: ['grants'] },
  revokeGrant: { params: z.object({ id: z.string() }).strict(), result: GrantRevocation, changes: ['grants'] },
  listApprovals: { params: z.object({ status: ApprovalStatus.optional() }).strict(), result: z.array(Approval), changes: none },
  decideApproval: {
    params: z.object({ id: z.string(), decision: z.enum(['approve', 'deny']), remember: z.boolean().optional() }).strict(),
    result: Approval,
    // What an approval's answer changes (a remembered grant, an allowed site) is written by the request it answers.
    changes: none,
  },
  listAllowedSites: { params: z.object({ server: Url.optional() }).strict(), result: z.array(AllowedSite), changes: none },
  removeAllowedSite: { params: z.object({ server: Url, site: z.string().min(1).max(253) }).strict(), result: z.boolean(), changes: ['allowed-sites'] },
  queryAudit: { params: AuditFilter, result: z.array(AuditEvent), changes: none },
  verifyAudit: { params: z.object({}).strict(), result: AuditVerification, changes: none },
  /** Grants as code (T41): the wallet's agents, grants and allowed sites as a policy file; never a secret. */
  exportPolicy: { params: z.object({}).strict(), result: PolicyFile, changes: none },
  /** What applying this file would change, and the digest that confirms exactly that. */
  planPolicy: { params: z.object({ policy: PolicyFile }).strict(), result: PolicyPlan, changes: none },
  /** Carries out the plan whose digest the owner confirmed, each change as its owner method; refused (policy.stale) when the plan is no longer that one. */
  applyPolicy: {
    params: z.object({ policy: PolicyFile, digest: z.string().regex(/^[0-9a-f]{64}$/u) }).strict(),
    result: PolicyPlan,
    changes: ['agents', 'grants', 'allowed-sites'],
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType; changes: readonly ChangedCollection[] }>;

export type OwnerMethodName = keyof typeof OwnerMethods;
export type OwnerParams<M extends OwnerMethodName> = z.input<(typeof OwnerMethods)[M]['params']>;
export type OwnerResult<M extends OwnerMethodName> = z.infer<(typeof OwnerMethods)[M]['result']>;
export const OWNER_METHOD_NAMES = Object.keys(OwnerMethods) as OwnerMethodName[];

/** What a caller may pass besides the params: a signal that gives up waiting. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** The owner methods as functions: what the wallet implements and every client offers. Params are optional where every field is. */
export type OwnerApi = {
  [M in OwnerMethodName]: Record<never, never> extends OwnerParams<M>
    ? (params?: OwnerParams<M>, options?: CallOptions) => Promise<OwnerResult<M>>
    : (params: OwnerParams<M>, options?: CallOptions) => Promise<OwnerResult<M>>;
};

/** How a connect is followed (not sent as params): its progress, and a signal that cancels it. */
export interface ConnectControl {
  onProgress?: (event: ConnectProgress) => void;
  signal?: AbortSignal;
}

/** A connect's params and control together, as the connection service takes them. */
export type ConnectOptions = Omit<ConnectParams, 'url'> & ConnectControl;
export type AccessTokenOptions = Omit<OwnerParams<'accessToken'>, 'url'> & CallOptions;

/** The wallet, in process or in a daemon: the owner methods, connect, live events and close. */
export interface WalletApi extends OwnerApi {
  /** The vault this wallet opened (the answering host's `status` adds its bridge). */
  readonly vaultStatus: VaultStatus;
  connect(params: ConnectParams, control?: ConnectControl): Promise<ConnectionSummary>;
  /** Live events (approvals, audit entries, changes); returns the unsubscribe function. */
  subscribe(listener: (event: WalletEvent) => void): () => void;
  close(): Promise<void>;
}

/** Builds the owner methods from the contract's keys: each one is `call(method, params, options)`. */
export function ownerApiOf(call: (method: OwnerMethodName, params: unknown, options?: CallOptions) => Promise<unknown>): OwnerApi {
  const api: Partial<Record<OwnerMethodName, (params: unknown, options?: CallOptions) => Promise<unknown>>> = {};
  for (const method of OWNER_METHOD_NAMES) api[method] = (params, options) => call(method, params ?? {}, options);
  return api as OwnerApi;
}

/** Live events: the window updates without reloads. Payloads carry no secrets. */
export const WalletEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('approval.raised'), approval: Approval }),
  z.object({ type: z.literal('approval.decided'), approval: Approval }),
  z.object({ type: z.literal('audit.appended'), event: AuditEvent }),
  /** Something in these collections changed: read them again. */
  z.object({ type: z.literal('changed'), what: ChangedCollection }),
]);
export type WalletEvent = z.infer<typeof WalletEvent>;

/**
 * What the renderer (and any other owner UI) talks to: the same methods over IPC in Electron or
 * HTTP + SSE in the headless host. Implementations validate results with OwnerMethods.
 */
export interface WalletClient {
  call<M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>>;
  /** Streams connect progress; resolves with the connection. */
  connect(params: ConnectParams, onProgress: (progress: ConnectProgress) => void): Promise<ConnectionSummary>;
  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (event: WalletEvent) => void): () => void;
}
