/**
 * Connection types shared by the wallet, the CLI, the headless host and the renderer.
 * Nothing secret ever appears in these shapes: tokens only as `AccessTokenResult` to their owner.
 */
import { z } from 'zod';
import { ACCOUNT_LABEL_MAX_INPUT, ACCOUNT_LABEL_PATTERN } from './account-label.js';

export const RegistrationKind = z.enum(['pre-registered', 'cimd', 'dcr']);
export type RegistrationKind = z.infer<typeof RegistrationKind>;

export const ConnectionStatus = z.enum(['ok', 'needs-reauth']);

/**
 * An account label (protocol.md T8): which of the owner's accounts on one server a connection
 * signs in as ("work", "personal", a tenant's short name). Case-folded; short, lowercase letters,
 * digits, `.`, `_` and `-`; never an email address (a label is shown and audited, an address is
 * personal data). No label: the server's default account.
 */
export { ACCOUNT_LABEL_PATTERN };
export const AccountLabel = z
  .string()
  .max(ACCOUNT_LABEL_MAX_INPUT)
  .transform((label) => label.toLowerCase())
  .pipe(z.string().regex(ACCOUNT_LABEL_PATTERN, 'an account label: up to 32 of a-z 0-9 . _ -, starting with a letter or digit (not an email address)'));
export type AccountLabel = z.infer<typeof AccountLabel>;
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const ConnectionSummary = z.object({
  /** Canonical MCP server URL (RFC 8707 resource). */
  resource: z.string(),
  /** Which account on this server (T8); absent: the default account. */
  account: z.string().optional(),
  issuer: z.string(),
  clientId: z.string(),
  registration: RegistrationKind,
  scopes: z.array(z.string()),
  status: ConnectionStatus,
  /** 'open-until-401': the server answers without a token, nobody has signed in yet (protocol.md T9); absent: signed in. */
  access: z.literal('open-until-401').optional(),
  /** Epoch ms of the cached access token's expiry, if one is cached. */
  accessTokenExpiresAt: z.number().optional(),
  /** How long the server's access tokens live as issued (seconds, from the last one seen); absent when it does not say. */
  tokenLifetimeSeconds: z.number().int().nonnegative().optional(),
  hasRefreshToken: z.boolean(),
  /** false when this connection leaves RFC 8707 `resource` out (its server rejects it); absent means it is sent. */
  sendResource: z.boolean().optional(),
  /** The fixed loopback port of its browser sign-ins (`--callback-port`); absent: an ephemeral port each time. */
  callbackPort: z.number().int().optional(),
  /** How an explicit connect signs in again when not told (`--device`, `--paste`); absent: the browser. */
  signIn: z.enum(['device', 'paste']).optional(),
  /** 'enterprise': its tokens come from the organisation's identity provider (ID-JAG, protocol.md R7), never a browser sign-in at its server. */
  managedBy: z.literal('enterprise').optional(),
  connectedAt: z.number(),
  updatedAt: z.number(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export interface AccessTokenResult {
  accessToken: string;
  /** 'DPoP': bound to the connection's key; every request with it needs a proof from the wallet (RFC 9449). */
  tokenType: 'Bearer' | 'DPoP';
  /** Epoch ms: when the server stops accepting it (expires_in or the JWT's exp, the earlier). */
  expiresAt: number;
  scope: string[];
  /** Its whole lifetime as issued, seconds; absent when the server did not say (then expiresAt is a refresh horizon). */
  lifetimeSeconds?: number;
}

/** What an RFC 7009 revocation of an access token came to; `error` is the server's OAuth error code when it refused. */
export interface TokenRevocationResult {
  outcome: 'revoked' | 'unsupported' | 'failed' | 'none';
  error?: string;
}

export type ConnectProgress =
  | { step: 'probing'; resource: string }
  | { step: 'discovered'; resource: string; issuer: string }
  | { step: 'registered'; issuer: string; clientId: string; registration: RegistrationKind }
  | { step: 'browser'; authorizationUrl: string; timeoutMs: number }
  /** Paste sign-in: the user opens the URL anywhere and hands back the address the browser ended on (it starts with redirectUri). */
  | { step: 'paste'; authorizationUrl: string; redirectUri: string; timeoutMs: number }
  /** Device sign-in (RFC 8628): the user enters userCode at verificationUri on any device. */
  | { step: 'device'; verificationUri: string; verificationUriComplete?: string; userCode: string; expiresAt: number; intervalSeconds: number }
  | { step: 'exchanging' }
  | { step: 'connected'; connection: ConnectionSummary };

export interface DisconnectResult {
  resource: string;
  /** The disconnected account (T8); absent: the default account. */
  account?: string;
  /** 'revoked' at the AS, 'unsupported' (no revocation endpoint), or 'failed' (AS unreachable: local state erased anyway). */
  revocation: 'revoked' | 'unsupported' | 'failed' | 'none';
}
