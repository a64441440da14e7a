/**
 * What the bridge server (transport, security checks, limits) asks of the wallet. The server
 * knows HTTP; the handler knows agents, grants and tokens. The composition root joins them.
 */
import type { AgentSummary, SessionSummary } from '../../../shared/agents.js';
import type { DelegateRequest, DelegateResponse, DpopProofRequest, DpopProofResponse, ElicitationRequest, ElicitationResponse, EnrolRequest, PendingApprovalsResponse, TokenRequest, TokenResponse, WhoamiResponse } from '../../../shared/bridge.js';
import type { EnrolRequester } from './peer.js';

/** An authenticated caller: the enrolled secret is the identity (T12), never a pid or path. */
export interface BridgeCaller {
  agent: AgentSummary;
  /** Set when the caller used a session secret (`latchkey run`). */
  session?: SessionSummary;
}

/** Why the server refused a request before it reached a handler (audited as bridge.rejected). */
export interface BridgeRejection {
  code: string;
  status: number;
  transport: 'unix' | 'tcp';
  /** Agent id when the caller authenticated but was refused later (e.g. rate limit). */
  agentId?: string;
}

/**
 * Whether the caller is still there, for a request that may wait: `signal` aborts when the caller
 * goes away before its answer was sent. It is made on first read, so a hand-out that waits for
 * nothing costs no AbortSignal and no listener.
 */
export interface CallerPresence {
  readonly signal: AbortSignal;
}

/** The signal of a presence, or the signal itself when a caller (a test, the owner's window) holds one already. */
export function signalOf(waitFor: AbortSignal | CallerPresence): AbortSignal {
  return waitFor instanceof AbortSignal ? waitFor : waitFor.signal;
}

export interface BridgeHandler {
  /** Looks up a bearer secret in constant time. Undefined: unknown, expired or revoked. */
  authenticate(secret: string): BridgeCaller | undefined;
  /**
   * POST /v1/token. May wait (bounded) for the owner's decision; the signal (signalOf) aborts when
   * the caller goes away. The bridge hands a presence, whose signal is made only if it is read.
   */
  token(caller: BridgeCaller, request: TokenRequest, waitFor: AbortSignal | CallerPresence): Promise<TokenResponse>;
  /**
   * POST /v1/elicitations: the owner decides whether to open a server's URL; the answer is the
   * action only (never the URL). `signal` aborts when the caller goes away (withdraws the ask).
   */
  elicit(caller: BridgeCaller, request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationResponse>;
  /** GET /v1/whoami. */
  whoami(caller: BridgeCaller): WhoamiResponse;
  /** GET /v1/approvals/pending: the caller's own agent's approvals waiting for the owner (never another agent's). */
  pending(caller: BridgeCaller): PendingApprovalsResponse;
  /**
   * POST /v1/enrol from an unknown caller on the Unix socket: raises an enrolment approval showing
   * `requester` (the peer process, or unknown) and waits for it.
   */
  enrol(request: EnrolRequest, signal: AbortSignal, requester: EnrolRequester): Promise<{ agentId: string; name: string; secret: string }>;
  /**
   * POST /v1/sessions/delegate: a session starts a child session with a slice of its access (T40).
   * A wallet without it answers not found.
   */
  delegate?(caller: BridgeCaller, request: DelegateRequest): Promise<DelegateResponse>;
  /**
   * POST /v1/dpop-proof: a proof for a request with a DPoP token this agent was handed and still
   * holds a grant for (revoked: refused at once). A wallet without it answers not found.
   */
  dpopProof?(caller: BridgeCaller, request: DpopProofRequest): Promise<DpopProofResponse>;
  /** Called for every request refused by the server itself (auth, Host, Origin, header, limits). */
  rejected(rejection: BridgeRejection): void;
}
