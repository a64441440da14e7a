/**
 * Agents, sessions, grants, approvals and audit events: the shapes every runtime shares.
 * Secrets never appear here (an agent's secret is shown once, at enrolment, and only its hash is
 * stored); tokens appear only as fingerprints.
 */
import { z } from 'zod';

/** Ids are random, url-safe, prefixed by kind: never guessable, never used as authentication (T16). */
export const Id = z.string().regex(/^[a-z]{2,4}_[A-Za-z0-9_-]{16,64}$/);

export const AgentName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore; starting with a letter or digit');

export const AgentKind = z.enum(['interactive', 'autonomous']);
export type AgentKind = z.infer<typeof AgentKind>;

/** The most a policy may allow, whatever it says: depth and live children of delegated sessions (T40). */
export const DELEGATION_DEPTH_CAP = 8;
export const DELEGATION_CHILDREN_CAP = 64;

/**
 * How far an agent's sessions may delegate (T40): `maxDepth` levels below a session started by
 * `latchkey run` (0: not at all), `maxChildren` live delegated sessions per session, and a child's
 * longest lifetime (`maxTtlSeconds`; absent: its parent's remaining one). Absent on an agent: the
 * defaults (DEFAULT_DELEGATION_LIMITS).
 */
export const DelegationLimits = z
  .object({
    maxDepth: z.number().int().min(0).max(DELEGATION_DEPTH_CAP),
    maxChildren: z.number().int().min(1).max(DELEGATION_CHILDREN_CAP),
    maxTtlSeconds: z.number().int().min(60).max(86_400).optional(),
  })
  .strict();
export type DelegationLimits = z.infer<typeof DelegationLimits>;

/** An agent's limits when the owner set none (no lifetime cap: a child lives at most as long as its parent). */
export const DEFAULT_DELEGATION_LIMITS: DelegationLimits = { maxDepth: 3, maxChildren: 8 };

export const AgentSummary = z.object({
  id: Id,
  name: AgentName,
  kind: AgentKind,
  /** The agent that started this one (sub-agents), if any. */
  parentId: Id.optional(),
  createdAt: z.number(),
  lastSeenAt: z.number().optional(),
  /** The owner's delegation limits for this agent (T40); absent: the defaults. */
  delegation: DelegationLimits.optional(),
});
export type AgentSummary = z.infer<typeof AgentSummary>;

/** What a delegated session may use: resources (canonical URLs, matched exactly) and scopes. */
export const SessionBounds = z.object({
  resources: z.array(z.string().max(2048)).max(32).optional(),
  scopes: z.array(z.string().max(256)).max(64).optional(),
});
export type SessionBounds = z.infer<typeof SessionBounds>;

export const SessionSummary = z.object({
  id: Id,
  agentId: Id,
  createdAt: z.number(),
  expiresAt: z.number(),
  /**
   * The `latchkey run` process the session is bound to: the session ends when it exits (T36).
   * Never used to authenticate (T12).
   */
  pid: z.number().int().optional(),
  command: z.string().max(512).optional(),
  endedAt: z.number().optional(),
  /**
   * runner-exited: its `latchkey run` died without ending it (killed, crashed) (T36);
   * parent-ended: the session it was delegated from ended (T40).
   */
  endReason: z.enum(['exited', 'expired', 'revoked', 'runner-exited', 'parent-ended']).optional(),
  /** A delegated session (`latchkey run --delegate`): the session it was started from (T40). */
  parentSessionId: Id.optional(),
  /**
   * A delegated session's slice of its parent's access: only these resources and scopes, and
   * never more than the parent holds (T40). Absent: the whole of the agent's grants.
   */
  bounds: SessionBounds.optional(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

/** The longest token lifetime a grant can set as its maximum; without one, tokens live as the server issues them. */
export const MAX_TOKEN_LIFETIME_SECONDS = 60 * 60;

export const GrantMode = z.enum(['allow', 'ask']);
export type GrantMode = z.infer<typeof GrantMode>;

export const Grant = z.object({
  id: Id,
  agentId: Id,
  /** Canonical MCP server URL; matched exactly (T07). */
  resource: z.string(),
  /** The account on that server whose tokens the agent gets (T8), matched exactly; absent: the server's default account. */
  account: z.string().optional(),
  /** Scopes the agent may receive; a token never carries more (T13). */
  scopes: z.array(z.string()),
  /**
   * The longest a token handed out under this grant may live at the server (seconds), enforced:
   * a server whose tokens live longer gets the agent refused (token.lifetime_exceeds_grant), never
   * a token reported shorter than it is. Absent: tokens live as the server issues them (T38).
   */
  maxTokenLifetimeSeconds: z.number().int().min(60).max(MAX_TOKEN_LIFETIME_SECONDS).optional(),
  /** When the grant itself ends (epoch ms); absent: until revoked. */
  expiresAt: z.number().optional(),
  mode: GrantMode,
  createdAt: z.number(),
  /**
   * Whether the AS could narrow tokens to this grant's scopes. 'unsupported' means it refused a
   * narrower token: the agent is refused until the owner widens the grant to the connection's
   * scopes (shown to the owner, never silently widened).
   */
  narrowing: z.enum(['unknown', 'ok', 'unsupported']).default('unknown'),
  lastUsedAt: z.number().optional(),
});
export type Grant = z.infer<typeof Grant>;

/**
 * What revoking a grant did to the tokens already handed out under it: revoked at the server
 * (RFC 7009), or not (structured tokens the server cannot revoke) and then valid until `validUntil`.
 */
export const GrantRevocation = z.object({
  grantId: Id,
  /** Handed-out tokens the authorization server revoked. */
  revokedTokens: z.number().int().nonnegative(),
  /** Handed-out tokens still valid at the resource server because revoking them failed. */
  unrevokedTokens: z.number().int().nonnegative(),
  /** Epoch ms the last of the unrevoked tokens expires at its server. */
  validUntil: z.number().optional(),
  /** The server's OAuth error code for the failed revocation (e.g. unsupported_token_type). */
  revocationError: z.string().max(64).optional(),
});
export type GrantRevocation = z.infer<typeof GrantRevocation>;

/**
 * consent: an agent asks for a token; enrolment: an unknown program asks to become an agent;
 * step-up: an agent's server wants scopes the owner's connection lacks (re-authorize in the
 * browser); url-elicitation: a server asks the user to open a page; elicitation-retry: after that
 * page was opened, retry the agent's request now (or give up).
 */
export const ApprovalKind = z.enum(['consent', 'enrolment', 'step-up', 'url-elicitation', 'elicitation-retry']);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/**
 * Who sent an enrolment request: the process at the other end of the bridge's Unix socket, as the
 * OS reports it (Linux: ss and /proc). Shown to the owner as inert text, never used as an
 * identity (T12, T32). Absent on an approval: the requester is unknown.
 */
export const ApprovalRequester = z.object({
  pid: z.number().int().positive(),
  /** Effective uid of that process. */
  uid: z.number().int().nonnegative().optional(),
  /** /proc/<pid>/exe. */
  exe: z.string().max(4096).optional(),
  /** /proc/<pid>/cwd. */
  cwd: z.string().max(4096).optional(),
});
export type ApprovalRequester = z.infer<typeof ApprovalRequester>;

export const Approval = z.object({
  id: Id,
  kind: ApprovalKind,
  /** Who asks: the agent's id (absent for an enrolment request from an unknown caller). */
  agentId: Id.optional(),
  /** Display name of who asks (the enrolled name, or the name an unknown caller proposes). */
  agentName: z.string().max(64),
  resource: z.string().optional(),
  /** The account on that server (T8); absent: its default account. */
  account: z.string().max(64).optional(),
  /** consent: the scopes asked for; step-up: the scopes wanted after the upgrade (the union). */
  scopes: z.array(z.string()).optional(),
  /** step-up: the scopes the connection (and the agent's grant) hold now. */
  currentScopes: z.array(z.string()).optional(),
  /** For consent: how long a token the agent asked for (seconds). */
  lifetimeSeconds: z.number().int().optional(),
  /** For url-elicitation and elicitation-retry: the page the server wants opened (shown in full, never pre-fetched). */
  url: z.string().max(8192).optional(),
  /** For url-elicitation: the server's message, shown as plain text. */
  message: z.string().max(2000).optional(),
  /** For enrolment: the requesting process (absent: unknown). */
  requester: ApprovalRequester.optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
  status: ApprovalStatus,
  decidedAt: z.number().optional(),
  /** Approved with "remember": consent → a grant was created or widened; url-elicitation → the page's site may open for this server without asking. */
  remembered: z.boolean().optional(),
});
export type Approval = z.infer<typeof Approval>;

export const AuditType = z.enum([
  'token.issued',
  'token.refused',
  'token.refreshed',
  'approval.raised',
  'approval.decided',
  'grant.created',
  /** The owner edited a grant (scopes, lifetime, expiry or mode); the entry carries the scopes after. */
  'grant.updated',
  'grant.revoked',
  'agent.enrolled',
  'agent.removed',
  /** The owner set an agent's delegation limits (T40), or put them back to the defaults. */
  'agent.delegation_set',
  'session.started',
  'session.ended',
  'connection.connected',
  'connection.disconnected',
  /** A connected server's resource metadata named another authorization server: its tokens were dropped (issuer: the new one). */
  'connection.migrated',
  /** A server connected without a sign-in answered an agent with 401 (T9): the connection waits for the owner's sign-in. */
  'connection.sign_in_needed',
  'bridge.rejected',
  /** An elicitation URL was handed to the Opener (actor: 'owner' or 'policy' for an allowed site). */
  'elicitation.opened',
  /** An elicitation was answered without asking: unsafe URL, rate limit, declined before (reason says which). */
  'elicitation.refused',
  'site.allowed',
  'site.removed',
  /** The owner re-authorized a connection with more scopes for an agent's request. */
  'step-up.completed',
  /** The owner registered a client with an issuer (`issuer`; never its secret) or removed one. */
  'client.set',
  'client.removed',
  /** Enterprise-managed authorization (R7): the owner named the identity provider (`issuer`; never a secret), signed in there, or forgot both. */
  'enterprise.set',
  'enterprise.signed_in',
  'enterprise.forgotten',
  /** At open, the log ended in a line a killed process left unfinished (never acknowledged): removed; count: its bytes. */
  'audit.tail_removed',
]);
export type AuditType = z.infer<typeof AuditType>;

export const AuditEvent = z.object({
  seq: z.number().int().nonnegative(),
  time: z.number(),
  type: AuditType,
  agentId: z.string().optional(),
  agentName: z.string().optional(),
  sessionId: z.string().optional(),
  resource: z.string().optional(),
  /** The account on that server (T8), a label: never an address or a secret. */
  account: z.string().max(64).optional(),
  scopes: z.array(z.string()).optional(),
  outcome: z.enum(['ok', 'denied', 'error']),
  /** A stable code (error code or decision reason), never free text from a server. */
  reason: z.string().max(200).optional(),
  /** client.set / client.removed: the authorization server's issuer. */
  issuer: z.string().max(2048).optional(),
  /** The registrable domain of an elicitation URL (never the URL: it may carry secrets). */
  site: z.string().max(253).optional(),
  /** `sha256:…` of a token handed out: never the token (T30). */
  tokenFingerprint: z.string().optional(),
  /** Who decided an approval: 'owner' (CLI/window), 'timeout', 'policy'. */
  actor: z.string().max(64).optional(),
  /**
   * A summary entry (bridge.rejected): how many refusals of this reason, listener (actor) and agent
   * it stands for, since the previous summary (at most one summary interval) (T37).
   */
  count: z.number().int().positive().optional(),
  /**
   * Epoch ms a token stays valid at its server: token.issued, when that token expires; grant.revoked,
   * until when tokens already handed out under it stay valid because the server could not revoke them (T38).
   */
  tokenExpiresAt: z.number().optional(),
  /**
   * token.issued: the human owner whose sign-in backs the token, as the authorization server names
   * them (the `sub` of the handed-out access token when it is a JWT; absent when it is opaque).
   */
  owner: z.string().max(256).optional(),
  /**
   * token.issued and a delegated session.started: who asked, innermost first: delegated sessions, the session,
   * the agent's name, then 'owner' (e.g. ["ses_child…", "ses_parent…", "claude-code", "owner"]).
   */
  chain: z.array(z.string().max(128)).max(8).optional(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
