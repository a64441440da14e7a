/**
 * The agent-facing bridge protocol (docs/protocol.md "The bridge"): what local agents
 * send over the Unix socket or 127.0.0.1 TCP, and what they get back. Errors are RFC 9457
 * problem+json with a stable `code`.
 */
import { z } from 'zod';
import { AccountLabel } from './connections.js';

/** The header every request carries (T10) and the environment `latchkey run` gives the child (T17). */
export { BRIDGE_HEADER, BRIDGE_HEADER_VALUE, ENV_AGENT_SECRET, ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL, ENV_SESSION_SECRET } from './bridge-names.js';

/** Printable ASCII without control characters; bounded (T14). */
const SafeText = (max: number) => z.string().min(1).max(max).regex(/^[\x20-\x7e]*$/, 'printable ASCII only');

/**
 * A token the resource refused with 401: named by its fingerprint (never the token itself) with
 * the server's WWW-Authenticate. The wallet heeds it once per token it handed to this agent.
 */
export const RejectedToken = z
  .object({
    status: z.literal(401),
    /**
     * fingerprint() of the refused token: `sha256:` and 12 base64url characters. Absent: the
     * request went without a token (the connection was open, protocol.md T9) and was refused.
     */
    token_fingerprint: z.string().regex(/^sha256:[A-Za-z0-9_-]{12}$/, 'a token fingerprint').optional(),
    www_authenticate: SafeText(2048).optional(),
  })
  .strict();
export type RejectedToken = z.infer<typeof RejectedToken>;

export const TokenRequest = z
  .object({
    /** An MCP server URL (canonicalised by the wallet; matched exactly). */
    resource: SafeText(2048),
    /** Which account on that server (T8); absent: the one the agent's grant names. A grant for another account never answers. */
    account: AccountLabel.optional(),
    /** Scopes wanted; default: everything the grant allows. Never more than the grant. */
    scopes: z.array(SafeText(128)).max(32).optional(),
    /** The MCP server refused the token the agent was given: the wallet checks why (a moved sign-in, T6) before answering. */
    rejected: RejectedToken.optional(),
  })
  .strict();
export type TokenRequest = z.infer<typeof TokenRequest>;

export const TokenResponse = z.object({
  access_token: z.string(),
  /** 'DPoP': bound to the connection's key; each request with it needs a proof from POST /v1/dpop-proof. */
  token_type: z.enum(['Bearer', 'DPoP']),
  /** Epoch seconds. */
  expires_at: z.number().int(),
  /** Space-separated, as in OAuth. */
  scope: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/**
 * POST /v1/dpop-proof: a DPoP proof (RFC 9449) for one request with a DPoP token this agent was
 * handed. The token itself is not sent, only its hash (`ath`); the key never leaves the wallet.
 */
export const DpopProofRequest = z
  .object({
    resource: SafeText(2048),
    /** The request's method and URL (on the resource's origin). */
    method: z.string().regex(/^[A-Z]{1,16}$/),
    url: SafeText(2048),
    /** base64url SHA-256 of the access token the request carries. */
    ath: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    /** The server's latest `DPoP-Nonce`, when it asked for one. */
    nonce: z.string().min(1).max(1024).regex(/^[\x21-\x7e]+$/).optional(),
  })
  .strict();
export type DpopProofRequest = z.infer<typeof DpopProofRequest>;

export const DpopProofResponse = z.object({ proof: z.string() });
export type DpopProofResponse = z.infer<typeof DpopProofResponse>;

/**
 * POST /v1/elicitations: an agent that talks to an MCP server itself hands the server's URL
 * elicitation to Latchkey instead of opening it (protocol.md E1–E3). The agent never gets the URL back.
 */
export const ElicitationRequest = z
  .object({
    /** The MCP server that asked (canonicalised by the wallet). */
    server: SafeText(2048),
    /** The page the server wants the user to open; validated, never pre-fetched. */
    url: SafeText(8192),
    /** The server's message to the user; shown as plain text, never as links. */
    message: z.string().min(1).max(2000).regex(/^[^\p{Cc}]*$/u, 'no control characters'),
    /**
     * 'open' (default): may the page be opened? accept = opened in the browser.
     * 'wait': the page was opened and the agent's request waits for the user to finish there;
     * accept = retry it now, cancel = give up. The caller withdraws it (closes the request) when
     * the server says the elicitation completed.
     */
    stage: z.enum(['open', 'wait']).optional(),
  })
  .strict();
export type ElicitationRequest = z.infer<typeof ElicitationRequest>;

export const ElicitationResponse = z.object({ action: z.enum(['accept', 'decline', 'cancel']) });
export type ElicitationResponse = z.infer<typeof ElicitationResponse>;

export const EnrolRequest = z
  .object({
    name: SafeText(64),
    kind: z.enum(['interactive', 'autonomous']).optional(),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequest>;

export const EnrolResponse = z.object({
  agent_id: z.string(),
  name: z.string(),
  /** The agent's secret, shown once. */
  secret: z.string(),
});

/**
 * POST /v1/sessions/delegate, authenticated by the parent's session secret: a child session with a
 * slice of the parent's access (T40). Omitted resources or scopes mean all of the parent's.
 */
export const DelegateRequest = z
  .object({
    resources: z.array(z.string().min(1).max(2048)).min(1).max(32).optional(),
    scopes: z.array(z.string().min(1).max(256)).min(1).max(64).optional(),
    /** Absent: the parent's remaining lifetime. */
    ttl_seconds: z.number().int().positive().optional(),
    /** The child's `latchkey run` process, to bind the session to (T36); never an identity. */
    pid: z.number().int().positive(),
    command: SafeText(512).optional(),
  })
  .strict();
export type DelegateRequest = z.infer<typeof DelegateRequest>;

export const DelegateResponse = z.object({
  session: z.object({ id: z.string(), expires_at: z.number().int(), parent_id: z.string() }),
  /** The child's session secret, for its environment only. */
  secret: z.string(),
});
export type DelegateResponse = z.infer<typeof DelegateResponse>;

export const WhoamiResponse = z.object({
  agent: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  session: z
    .object({
      id: z.string(),
      expires_at: z.number().int(),
      /** A delegated session (T40): the session it was started from. */
      parent_id: z.string().optional(),
      /** A delegated session: the sessions it came from, innermost first, then the agent and `owner`. */
      chain: z.array(z.string()).max(16).optional(),
      /** A delegated session's slice: only these resources and scopes (absent: all the agent holds); `grants` are cut to it. */
      slice: z.object({ resources: z.array(z.string()).optional(), scopes: z.array(z.string()).optional() }).optional(),
    })
    .optional(),
  grants: z.array(
    z.object({
      resource: z.string(),
      /** The account on that server (T8); absent: its default account. */
      account: z.string().optional(),
      scopes: z.array(z.string()),
      mode: z.enum(['allow', 'ask']),
      /** The grant's enforced maximum; absent: tokens live as the server issues them. */
      max_token_lifetime_seconds: z.number().int().optional(),
      expires_at: z.number().int().optional(),
    }),
  ),
});
export type WhoamiResponse = z.infer<typeof WhoamiResponse>;

/**
 * GET /v1/approvals/pending: the caller's own approvals that wait for the owner, so a waiting agent
 * can say what it waits for. Never another agent's, never a page's URL or the server's message.
 */
export const PendingApproval = z.object({
  id: z.string(),
  kind: z.enum(['consent', 'step-up', 'url-elicitation', 'elicitation-retry']),
  agent_name: z.string(),
  resource: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  /** Epoch seconds: the approval expires (a refusal) then. */
  expires_at: z.number().int(),
});
export type PendingApproval = z.infer<typeof PendingApproval>;

export const PendingApprovalsResponse = z.object({ approvals: z.array(PendingApproval).max(64) });
export type PendingApprovalsResponse = z.infer<typeof PendingApprovalsResponse>;

/** RFC 9457 problem details with Latchkey's stable code. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  /** For 202/429: when to ask again, seconds. */
  retry_after: z.number().optional(),
  approval_id: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** Where the running bridge can be reached: the discovery file (0600) the daemon writes. */
export const BridgeDiscovery = z.object({
  version: z.literal(1),
  pid: z.number().int(),
  socket: z.string().optional(),
  /** http://127.0.0.1:<port> */
  url: z.string(),
  startedAt: z.number(),
  /** How long an enrolment waits for the owner before it is denied (`latchkey enrol` says so). */
  approvalTimeoutMs: z.number().int().positive().max(86_400_000).optional(),
});
export type BridgeDiscovery = z.infer<typeof BridgeDiscovery>;
