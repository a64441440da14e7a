/**
 * Stable error codes. A code never changes meaning once released; messages may improve.
 * Every message says what happened and what the user can do next. No stack traces, no secrets.
 */
export const ErrorCode = {
  // URLs and the network (threats T04–T06)
  InvalidUrl: 'url.invalid',
  InsecureUrl: 'url.insecure',
  UnsafeOpenUrl: 'opener.unsafe_url',
  OpenerFailed: 'opener.failed',
  BlockedAddress: 'net.blocked_address',
  RedirectRefused: 'net.redirect_refused',
  Timeout: 'net.timeout',
  ResponseTooLarge: 'net.response_too_large',
  Unreachable: 'net.unreachable',
  BadResponse: 'net.bad_response',
  TlsVerificationDisabled: 'net.tls_verification_disabled',

  // Discovery (protocol.md P1–P4)
  ResourceNotProtected: 'discovery.resource_not_protected',
  ResourceMetadataNotFound: 'discovery.resource_metadata_not_found',
  ResourceMismatch: 'discovery.resource_mismatch',
  NoAuthorizationServer: 'discovery.no_authorization_server',
  AuthServerMetadataNotFound: 'discovery.as_metadata_not_found',
  IssuerMismatch: 'discovery.issuer_mismatch',
  InvalidMetadata: 'discovery.invalid_metadata',
  /** Discovery as a whole (probe, resource and authorization server metadata) ran out of its time budget, or a metadata URL did not answer in time. */
  DiscoveryTimeout: 'discovery.timeout',
  /** The metadata sits behind a redirect Latchkey does not follow (another origin, too many hops): nothing usable was found. */
  MetadataRedirectRefused: 'discovery.redirect_refused',
  /** An MCP server that refuses both protocol eras Latchkey speaks (2025 `initialize`, 2026-07-28 `server/discover`). */
  ServerEraUnsupported: 'discovery.server_era_unsupported',

  // Registration (R1–R4)
  ClientIdRequired: 'registration.client_id_required',
  RegistrationRejected: 'registration.rejected',
  ClientNotFound: 'registration.client_not_found',
  /** Latchkey's own registration lacks what this sign-in needs (a fixed callback port, the device grant): `--reregister`. */
  RegistrationOutdated: 'registration.outdated',

  // Authorization (A1–A7)
  PkceUnsupported: 'authorize.pkce_unsupported',
  StateMismatch: 'authorize.state_mismatch',
  IssuerResponseMismatch: 'authorize.iss_mismatch',
  AccessDenied: 'authorize.access_denied',
  AuthorizationFailed: 'authorize.failed',
  AuthorizationTimeout: 'authorize.timeout',
  AuthorizationCancelled: 'authorize.cancelled',
  /** `--callback-port N`: that port on 127.0.0.1 is taken; Latchkey never falls back to another one for it. */
  CallbackPortInUse: 'oauth.callback_port_in_use',
  /** The device authorization grant (RFC 8628) was asked for, but this server or client cannot do it. */
  DeviceFlowUnavailable: 'authorize.device_flow_unavailable',
  /** A pasted sign-in address is not this sign-in's redirect (wrong place, state or shape): nothing was used. */
  PasteRejected: 'authorize.paste_rejected',
  /** `--reregister` for a client the user registered by hand: Latchkey does not replace it. */
  ClientPreRegistered: 'registration.pre_registered',

  // Tokens and connections (T1–T4)
  TokenRequestFailed: 'token.request_failed',
  /** An agent's own client (R5) was refused by its authorization server: `invalid_client` (unknown client, wrong secret or key). */
  AgentClientRejected: 'identity.client_rejected',
  /** An agent's own client (R5) may not use the client credentials grant, or not for these scopes or this resource. */
  AgentClientNotAllowed: 'identity.client_not_allowed',
  /** `agent add --register`: the authorization server has no registration endpoint, so the agent's client must be registered by its administrator. */
  AgentRegistrationUnavailable: 'identity.registration_unavailable',
  /** The authorization server refused a JWT-bearer assertion (RFC 7523, invalid_grant): expired, for another audience, or not trusted. */
  AssertionRejected: 'identity.assertion_rejected',
  /** The authorization server does not take the JWT-bearer grant (unsupported_grant_type): no workload identity or ID-JAG there. */
  JwtBearerUnsupported: 'identity.jwt_bearer_unsupported',
  /** An agent's workload token source (a file or an environment variable of the wallet's process) is missing, empty or unreadable. */
  WorkloadTokenUnavailable: 'identity.workload_token_unavailable',
  /** Enterprise-managed authorization: no identity provider is configured (`latchkey enterprise set`). */
  EnterpriseNotConfigured: 'enterprise.not_configured',
  /** The owner's sign-in at the organisation's identity provider is missing, expired and not refreshable, or refused: `latchkey enterprise sign-in`. */
  EnterpriseSignInNeeded: 'enterprise.sign_in_needed',
  /** The identity provider refused to issue an ID-JAG for this authorization server or resource (policy, audience, scopes). */
  IdJagRefused: 'enterprise.id_jag_refused',
  /** The identity provider answered the exchange with something other than an ID-JAG. */
  IdJagInvalid: 'enterprise.id_jag_invalid',
  StepUpLimit: 'token.step_up_limit',
  /** The owner declined these scopes for this agent and server before; the agent is not asked again (no nagging). */
  StepUpDeclined: 'token.step_up_declined',
  /** The server's tokens live longer than the grant's maximum token lifetime: none is handed out (T38). */
  TokenLifetimeExceedsGrant: 'token.lifetime_exceeds_grant',
  NotConnected: 'connection.not_found',
  /** A server has more than one account connected and the request named none (T8): never a guess. */
  AccountAmbiguous: 'connection.account_ambiguous',
  NeedsReauth: 'connection.needs_reauth',
  /** The server answered without a token and has not asked for one yet (T9): there is no token to hand out; send requests without one. */
  NoSignInNeeded: 'connection.no_sign_in_needed',
  /** The server refused a token fresh from a sign-in Latchkey made for its 401: no second sign-in for the same refusal (T7). */
  SignInRejected: 'connection.sign_in_rejected',
  /** The connection's tokens are bound to its DPoP key, which never leaves the wallet: a token alone is useless, so none is printed. */
  TokenSenderConstrained: 'connection.token_sender_constrained',
  /** A DPoP proof was asked for a connection whose tokens are plain Bearer tokens. */
  NotSenderConstrained: 'connection.not_sender_constrained',

  // Vault (threats T23–T25)
  KeychainUnavailable: 'vault.keychain_unavailable',
  KeychainLocked: 'vault.keychain_locked',
  VaultCorrupt: 'vault.corrupt',
  VaultInUse: 'vault.in_use',
  VaultDiskFull: 'vault.disk_full',
  VaultWriteFailed: 'vault.write_failed',
  VaultBadPassphrase: 'vault.bad_passphrase',
  VaultInsecurePermissions: 'vault.insecure_permissions',
  VaultNewerFormat: 'vault.newer_format',
  VaultModeMismatch: 'vault.mode_mismatch',
  VaultClosed: 'vault.closed',

  // Agents, grants, approvals and the bridge (threats T09–T17)
  Unauthenticated: 'bridge.unauthenticated',
  ForbiddenOrigin: 'bridge.forbidden_origin',
  BadHost: 'bridge.bad_host',
  MissingBridgeHeader: 'bridge.missing_header',
  UnsupportedMediaType: 'bridge.unsupported_media_type',
  PayloadTooLarge: 'bridge.payload_too_large',
  RateLimited: 'bridge.rate_limited',
  NotFound: 'bridge.not_found',
  BridgeNotRunning: 'bridge.not_running',
  BridgeUnsafePath: 'bridge.unsafe_path',
  BridgeInUse: 'bridge.in_use',
  MalformedRequest: 'bridge.malformed_request',
  MethodNotAllowed: 'bridge.method_not_allowed',
  HeadersTooLarge: 'bridge.headers_too_large',
  /** Enrolment is accepted only on the bridge's Unix socket, never on its TCP listener (T32). */
  EnrolNeedsSocket: 'bridge.enrol_needs_socket',
  /** The process at the other end of the bridge's Unix socket runs as another OS user (T32). */
  ForeignPeer: 'bridge.foreign_user',
  AgentNotFound: 'agent.not_found',
  AgentExists: 'agent.exists',
  SessionExpired: 'session.expired',
  /** A session must be bound to a live process of the owner's user (its `latchkey run`, T36). */
  SessionRunnerUnverified: 'session.runner_unverified',
  /** `latchkey run --delegate` asked for more than the parent holds: a resource, scope or lifetime wider (T40). */
  DelegationWider: 'session.delegation_wider',
  /** Delegation went deeper, or a session started more live children, than the wallet allows (T40). */
  DelegationLimit: 'session.delegation_limit',
  /** Only a session (`latchkey run`) delegates; an agent's own secret does not (T40). */
  DelegationNeedsSession: 'session.delegation_needs_session',
  NoGrant: 'grant.none',
  /** The owner revoked the agent's grant for the server; the owner is not asked again until a new grant or a new session. */
  GrantRevoked: 'grant.revoked',
  GrantDenied: 'grant.denied',
  ScopeNotGranted: 'grant.scope_not_granted',
  CannotNarrow: 'grant.cannot_narrow',
  GrantNotFound: 'grant.not_found',
  GrantExists: 'grant.exists',
  ApprovalNotFound: 'approval.not_found',
  ApprovalPending: 'approval.pending',
  ApprovalTimeout: 'approval.timeout',
  AuditTampered: 'audit.tampered',
  /** URL elicitation: the owner declined, or the wallet gave up after its bounded retries. */
  ElicitationDeclined: 'elicitation.declined',
  ElicitationLimit: 'elicitation.limit',
  /** An agent handed over a page for a server it holds no grant for: refused at once (T33). */
  ElicitationNotGranted: 'elicitation.not_granted',

  // Agent side: `latchkey mcp`, `latchkey run`, agent-mode `latchkey token`
  NotInSession: 'agent.no_session',
  /** The agent secret is the literal `${LATCHKEY_SESSION}`: the MCP host did not expand the variable. */
  UnexpandedSecret: 'agent.unexpanded_secret',
  /** An owner command (approve, grant, …) started with an agent or session secret in its environment. */
  OwnerCommandInSession: 'agent.owner_command_refused',
  RemoteRejected: 'mcp.remote_rejected',
  RemoteSessionEnded: 'mcp.session_ended',
  EnvFileInvalid: 'run.env_file_invalid',
  PlaceholderFailed: 'run.placeholder_failed',
  CommandFailed: 'run.command_failed',

  // The CLI and a running daemon
  /** The caller asked for --allow-insecure-loopback; the running daemon was not started with it (never widened silently). */
  DaemonRefusesInsecureLoopback: 'daemon.insecure_loopback_refused',
  /** `latchkey ui`: no daemon runs, or it serves no window (--no-ui). */
  DaemonHasNoWindow: 'daemon.no_window',

  // Grants as code: latchkey policy diff and apply (T41)
  /** A policy file that is not JSON, or names a field, value or duplicate the format does not allow. */
  PolicyInvalid: 'policy.invalid',
  /** The wallet changed between the plan the owner confirmed and the apply: nothing was applied. */
  PolicyStale: 'policy.stale',

  // Everything else
  InvalidInput: 'input.invalid',
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface LatchkeyErrorOptions {
  /** What the user can do next, in one sentence. */
  hint?: string;
  /** Non-secret structured details for logs and `--json` output. */
  details?: Record<string, string | number | boolean | undefined>;
  cause?: unknown;
}

/** The one error type that crosses module boundaries. `message` is safe to show to a user. */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, string | number | boolean | undefined>;

  constructor(code: ErrorCode, message: string, options: LatchkeyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(Object.keys(this.details).length === 0 ? {} : { details: this.details }),
    };
  }
}

export function isLatchkeyError(value: unknown, code?: ErrorCode): value is LatchkeyError {
  return value instanceof LatchkeyError && (code === undefined || value.code === code);
}
