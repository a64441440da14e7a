/**
 * The owner's wallet API: one contract for every transport (the CLI talking to a running daemon
 * today; Electron IPC and the headless host's HTTP + SSE next). Each method names its params and
 * result schema; the receiving side validates every payload with them.
 */
import { z } from 'zod';
import { AgentKind, AgentSummary, Approval, ApprovalStatus, AuditEvent, AuditType, Grant, GrantMode, GrantRevocation, MAX_TOKEN_LIFETIME_SECONDS, SessionSummary } from './agents.js';
import { ConnectionSummary, type ConnectProgress } from './connections.js';

const Url = z.string().min(1).max(2048);
const Scopes = z.array(z.string().min(1).max(128)).max(64);
const IdOrName = z.string().min(1).max(128);

export const VaultStatusSchema = z.object({
  mode: z.enum(['keychain', 'passphrase', 'memory']),
  backend: z.string(),
  warning: z.string().optional(),
  path: z.string(),
});

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

export const AccessTokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.number(),
  scope: z.array(z.string()),
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
    scopes: Scopes.optional(),
    timeoutMs: z.number().int().min(1_000).max(3_600_000).optional(),
    /** false: the caller opens the sign-in URL itself (the CLI, with the user's BROWSER). */
    openBrowser: z.boolean().optional(),
    /** The caller's --allow-insecure-loopback: refused when the host does not allow it, never widened. */
    allowInsecureLoopback: z.boolean().optional(),
  })
  .strict();
export type ConnectParams = z.infer<typeof ConnectParams>;

/** Methods callable over the owner RPC (connect streams progress and is transported separately). */
export const OwnerMethods = {
  status: { params: z.object({}).strict(), result: HostStatusSchema },
  listConnections: { params: z.object({}).strict(), result: z.array(ConnectionSummary) },
  accessToken: { params: z.object({ url: Url, minTtlSeconds: z.number().optional() }).strict(), result: AccessTokenSchema },
  handleAuthChallenge: {
    params: z.object({ url: Url, status: z.number().int(), wwwAuthenticate: z.string().max(16_384).nullable() }).strict(),
    result: AccessTokenSchema,
  },
  disconnect: {
    params: z.object({ url: Url }).strict(),
    result: z.object({ resource: z.string(), revocation: z.enum(['revoked', 'unsupported', 'failed', 'none']) }),
  },
  listClients: { params: z.object({}).strict(), result: z.array(ClientSummarySchema) },
  setClient: {
    params: z
      .object({
        issuer: Url,
        clientId: z.string().min(1).max(512),
        clientSecret: z.string().max(4096).optional(),
        tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
      })
      .strict(),
    result: z.null(),
  },
  removeClient: { params: z.object({ issuer: Url }).strict(), result: z.boolean() },
  listAgents: { params: z.object({}).strict(), result: z.array(AgentSummary) },
  enrolAgent: {
    params: z.object({ name: z.string().min(1).max(64), kind: AgentKind.optional() }).strict(),
    result: z.object({ agent: AgentSummary, secret: z.string() }),
  },
  removeAgent: { params: z.object({ agent: IdOrName }).strict(), result: AgentSummary },
  listSessions: { params: z.object({ agent: IdOrName.optional(), active: z.boolean().optional() }).strict(), result: z.array(SessionSummary) },
  startSession: {
    params: z
      .object({ agent: IdOrName, ttlSeconds: z.number().int().min(1).max(7 * 24 * 3600), pid: z.number().int().optional(), command: z.string().max(512).optional() })
      .strict(),
    result: z.object({ session: SessionSummary, secret: z.string() }),
  },
  endSession: { params: z.object({ id: z.string(), reason: z.enum(['exited', 'expired', 'revoked']).optional() }).strict(), result: z.null() },
  listGrants: { params: z.object({ agent: IdOrName.optional() }).strict(), result: z.array(Grant) },
  createGrant: { params: CreateGrantInput, result: Grant },
  updateGrant: { params: UpdateGrantInput, result: Grant },
  revokeGrant: { params: z.object({ id: z.string() }).strict(), result: GrantRevocation },
  listApprovals: { params: z.object({ status: ApprovalStatus.optional() }).strict(), result: z.array(Approval) },
  decideApproval: {
    params: z.object({ id: z.string(), decision: z.enum(['approve', 'deny']), remember: z.boolean().optional() }).strict(),
    result: Approval,
  },
  listAllowedSites: { params: z.object({ server: Url.optional() }).strict(), result: z.array(AllowedSite) },
  removeAllowedSite: { params: z.object({ server: Url, site: z.string().min(1).max(253) }).strict(), result: z.boolean() },
  queryAudit: { params: AuditFilter, result: z.array(AuditEvent) },
  verifyAudit: { params: z.object({}).strict(), result: AuditVerification },
} as const;

export type OwnerMethodName = keyof typeof OwnerMethods;
export type OwnerParams<M extends OwnerMethodName> = z.input<(typeof OwnerMethods)[M]['params']>;
export type OwnerResult<M extends OwnerMethodName> = z.infer<(typeof OwnerMethods)[M]['result']>;

/** Live events: the window updates without reloads. Payloads carry no secrets. */
export const WalletEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('approval.raised'), approval: Approval }),
  z.object({ type: z.literal('approval.decided'), approval: Approval }),
  z.object({ type: z.literal('audit.appended'), event: AuditEvent }),
  /** Something in these collections changed: read them again. */
  z.object({ type: z.literal('changed'), what: z.enum(['connections', 'agents', 'sessions', 'grants', 'allowed-sites']) }),
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
