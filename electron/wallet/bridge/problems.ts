/**
 * The one table from error codes to HTTP statuses for the bridge, and the RFC 9457 problem+json
 * bodies built from it. Codes the table does not list become `500 internal` with no detail, so a
 * failure deep in the wallet never leaks its message to an agent.
 */
import type { Problem } from '../../../shared/bridge.js';
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';

interface ProblemEntry {
  status: number;
  title: string;
}

/** Every code the bridge answers with, and its status. Keep this the only such table. */
export const PROBLEM_TABLE: Readonly<Partial<Record<ErrorCode, ProblemEntry>>> = {
  [ErrorCode.ApprovalPending]: { status: 202, title: 'Waiting for the owner' },
  [ErrorCode.InvalidInput]: { status: 400, title: 'Invalid request' },
  [ErrorCode.MalformedRequest]: { status: 400, title: 'Malformed request' },
  [ErrorCode.MissingBridgeHeader]: { status: 400, title: 'Missing bridge header' },
  [ErrorCode.Unauthenticated]: { status: 401, title: 'Unauthenticated' },
  [ErrorCode.SessionExpired]: { status: 401, title: 'Session expired' },
  [ErrorCode.ForbiddenOrigin]: { status: 403, title: 'Browser requests are refused' },
  [ErrorCode.EnrolNeedsSocket]: { status: 403, title: 'Enrolment only over the Unix socket' },
  [ErrorCode.ForeignPeer]: { status: 403, title: 'Another OS user' },
  [ErrorCode.ElicitationNotGranted]: { status: 403, title: 'No grant for this server' },
  [ErrorCode.NoGrant]: { status: 403, title: 'No grant' },
  [ErrorCode.GrantRevoked]: { status: 403, title: 'Grant revoked by the owner' },
  [ErrorCode.DelegationWider]: { status: 403, title: 'Wider than the parent session' },
  [ErrorCode.DelegationLimit]: { status: 403, title: 'Delegation limit' },
  [ErrorCode.DelegationNeedsSession]: { status: 403, title: 'Only a session delegates' },
  [ErrorCode.SessionRunnerUnverified]: { status: 403, title: 'Session runner not verified' },
  [ErrorCode.UnsafeOpenUrl]: { status: 400, title: 'Unsafe URL' },
  [ErrorCode.InvalidUrl]: { status: 400, title: 'Invalid URL' },
  [ErrorCode.InsecureUrl]: { status: 400, title: 'Not an https URL' },
  [ErrorCode.GrantDenied]: { status: 403, title: 'Denied' },
  [ErrorCode.ScopeNotGranted]: { status: 403, title: 'Scope not granted' },
  [ErrorCode.CannotNarrow]: { status: 403, title: 'Token cannot be narrowed' },
  [ErrorCode.ApprovalTimeout]: { status: 403, title: 'No decision in time' },
  [ErrorCode.StepUpDeclined]: { status: 403, title: 'More access declined' },
  [ErrorCode.StepUpLimit]: { status: 403, title: 'Too many step-ups' },
  [ErrorCode.TokenLifetimeExceedsGrant]: { status: 403, title: 'Token outlives the grant' },
  [ErrorCode.AuthorizationCancelled]: { status: 403, title: 'Sign-in cancelled' },
  [ErrorCode.NotFound]: { status: 404, title: 'Not found' },
  [ErrorCode.MethodNotAllowed]: { status: 405, title: 'Method not allowed' },
  [ErrorCode.Timeout]: { status: 408, title: 'Request timeout' },
  [ErrorCode.AgentExists]: { status: 409, title: 'Agent exists' },
  [ErrorCode.NotConnected]: { status: 409, title: 'Not connected' },
  [ErrorCode.NeedsReauth]: { status: 409, title: 'Connection needs sign-in' },
  [ErrorCode.AccountAmbiguous]: { status: 409, title: 'Which account?' },
  [ErrorCode.NoSignInNeeded]: { status: 409, title: 'No sign-in needed' },
  // A DPoP proof asked for a connection whose tokens are Bearer tokens (A8).
  [ErrorCode.NotSenderConstrained]: { status: 409, title: 'Not a DPoP connection' },
  [ErrorCode.PayloadTooLarge]: { status: 413, title: 'Body too large' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, title: 'JSON only' },
  [ErrorCode.BadHost]: { status: 421, title: 'Not a loopback host' },
  [ErrorCode.RateLimited]: { status: 429, title: 'Too many requests' },
  [ErrorCode.HeadersTooLarge]: { status: 431, title: 'Headers too large' },
  [ErrorCode.Internal]: { status: 500, title: 'Internal error' },
  // A step-up's browser sign-in (or the token request after it) went wrong at the authorization server.
  [ErrorCode.AuthorizationFailed]: { status: 502, title: 'Sign-in failed' },
  [ErrorCode.StateMismatch]: { status: 502, title: 'Sign-in response refused' },
  [ErrorCode.IssuerResponseMismatch]: { status: 502, title: 'Sign-in response refused' },
  [ErrorCode.TokenRequestFailed]: { status: 502, title: 'Authorization server refused' },
  // A workload identity's grant (R6): the messages are Latchkey's own words, never the server's text.
  [ErrorCode.AssertionRejected]: { status: 502, title: 'Workload token refused' },
  [ErrorCode.JwtBearerUnsupported]: { status: 502, title: 'No workload identity at this server' },
  // An agent's own client (R5): the authorization server refused the client, or this grant to it.
  [ErrorCode.AgentClientRejected]: { status: 502, title: 'Own client refused' },
  [ErrorCode.AgentClientNotAllowed]: { status: 403, title: 'Own client not allowed' },
  [ErrorCode.WorkloadTokenUnavailable]: { status: 503, title: 'Workload token unavailable' },
  // An enterprise-managed connection (R7): the owner's identity provider sign-in, or that IdP's answer for this server.
  [ErrorCode.EnterpriseSignInNeeded]: { status: 409, title: 'Owner must sign in at the identity provider' },
  [ErrorCode.EnterpriseNotConfigured]: { status: 409, title: 'No identity provider set up' },
  [ErrorCode.IdJagRefused]: { status: 502, title: 'Identity provider refused' },
  [ErrorCode.IdJagInvalid]: { status: 502, title: 'Identity provider answered wrongly' },
  [ErrorCode.OpenerFailed]: { status: 503, title: 'No browser for the sign-in' },
  [ErrorCode.KeychainLocked]: { status: 503, title: 'Wallet locked' },
  [ErrorCode.KeychainUnavailable]: { status: 503, title: 'Wallet unavailable' },
  [ErrorCode.VaultClosed]: { status: 503, title: 'Wallet unavailable' },
  [ErrorCode.AuthorizationTimeout]: { status: 504, title: 'Sign-in not finished in time' },
};

/** What the server itself says when it refuses a request (never anything from the request). */
const REFUSAL_DETAIL: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.InvalidInput]: 'The request body does not match the bridge protocol.',
  [ErrorCode.MalformedRequest]: 'The request is not valid HTTP/1.1 for the bridge.',
  [ErrorCode.MissingBridgeHeader]: 'Every request must carry the header latchkey-bridge: 1.',
  [ErrorCode.Unauthenticated]: 'Send Authorization: Bearer with an agent or session secret (latchkey run sets one).',
  [ErrorCode.ForbiddenOrigin]: 'Requests carrying an Origin header come from a web page and are refused.',
  [ErrorCode.NotFound]: 'No such endpoint.',
  [ErrorCode.MethodNotAllowed]: 'This endpoint does not accept that method.',
  [ErrorCode.Timeout]: 'The request took too long to arrive.',
  [ErrorCode.PayloadTooLarge]: 'The request body is larger than the bridge accepts.',
  [ErrorCode.UnsupportedMediaType]: 'Send the body as Content-Type: application/json.',
  [ErrorCode.BadHost]: 'The Host header must name this loopback listener.',
  [ErrorCode.RateLimited]: 'Slow down and retry after the indicated time.',
  [ErrorCode.HeadersTooLarge]: 'The request headers are larger than the bridge accepts.',
  [ErrorCode.EnrolNeedsSocket]:
    "Enrolment is accepted only on the bridge's Unix socket. Run `latchkey enrol` as the user who runs Latchkey (it uses the socket).",
  [ErrorCode.ForeignPeer]: 'This process runs as another OS user; only the user who runs Latchkey may enrol agents.',
};

/**
 * Codes whose messages quote an authorization server (its error and error_description): the
 * agent gets the code and this sentence, never the upstream text. The owner sees the full
 * message in the wallet's log and the window.
 */
const UPSTREAM_DETAIL: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.AuthorizationFailed]: "The owner's sign-in at the authorization server failed; the owner can retry it.",
  [ErrorCode.StateMismatch]: "The owner's sign-in answer was refused by Latchkey.",
  [ErrorCode.IssuerResponseMismatch]: "The owner's sign-in answer was refused by Latchkey.",
  [ErrorCode.TokenRequestFailed]: 'The authorization server refused the token request.',
};

export interface ProblemExtras {
  detail?: string | undefined;
  retryAfterSeconds?: number | undefined;
  approvalId?: string | undefined;
}

export function statusForCode(code: ErrorCode): number {
  return PROBLEM_TABLE[code]?.status ?? 500;
}

/** A problem body for `code`; an unlisted code becomes `internal` without detail. */
export function buildProblem(code: ErrorCode, extras: ProblemExtras = {}): Problem {
  const entry = PROBLEM_TABLE[code];
  if (entry === undefined) return buildProblem(ErrorCode.Internal);
  const detail = code === ErrorCode.Internal ? undefined : (extras.detail ?? REFUSAL_DETAIL[code]);
  return {
    type: `urn:latchkey:problem:${code}`,
    title: entry.title,
    status: entry.status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(extras.retryAfterSeconds === undefined ? {} : { retry_after: extras.retryAfterSeconds }),
    ...(extras.approvalId === undefined ? {} : { approval_id: extras.approvalId }),
  };
}

/** The problem for the server's own refusal of a request. */
export function refusalProblem(code: ErrorCode, retryAfterSeconds?: number): Problem {
  return buildProblem(code, { retryAfterSeconds });
}

/**
 * The problem for an error a handler threw. A LatchkeyError with a listed code keeps its message
 * (handler messages are written for users and carry no secrets); anything else is `internal`.
 */
export function problemFromError(error: unknown): Problem {
  if (!isLatchkeyError(error) || PROBLEM_TABLE[error.code] === undefined) return buildProblem(ErrorCode.Internal);
  const detail = UPSTREAM_DETAIL[error.code] ?? (error.hint === undefined ? error.message : `${error.message} ${error.hint}`);
  const retryAfter = error.details['retryAfterSeconds'];
  const approvalId = error.details['approvalId'];
  return buildProblem(error.code, {
    detail,
    retryAfterSeconds: typeof retryAfter === 'number' ? retryAfter : undefined,
    approvalId: typeof approvalId === 'string' ? approvalId : undefined,
  });
}
