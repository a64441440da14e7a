/**
 * What the wallet keeps per authorization server (client registrations) and per MCP server
 * (connections). All of it lives inside the encrypted vault document; these zod schemas are the
 * boundary check on the way out of the vault, so a damaged or older document fails clearly.
 */
import { z } from 'zod';
import { ACCOUNT_LABEL_PATTERN } from '../../../shared/connections.js';

export const ClientRecord = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecret: z.string().optional(),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']),
  registration: z.enum(['pre-registered', 'cimd', 'dcr']),
  /** Redirect URIs this client is registered with (DCR/CIMD); empty for pre-registered. */
  redirectUris: z.array(z.string()),
  /** The loopback port registered with DCR, tried first so exact-match ASes keep working. */
  preferredPort: z.number().int().optional(),
  /** Grant types a DCR registration asked for; absent on older records (authorization_code and refresh_token). */
  grantTypes: z.array(z.string()).optional(),
  registeredAt: z.number(),
});
export type ClientRecord = z.infer<typeof ClientRecord>;

export const CachedAccessToken = z.object({
  value: z.string(),
  /** Epoch ms: when the server stops accepting it (expires_in or the JWT's exp, the earlier); a refresh horizon when lifetimeSeconds is absent. */
  expiresAt: z.number(),
  scope: z.array(z.string()),
  /** Its whole lifetime as the server issued it, seconds; absent when the server did not say (T38). */
  lifetimeSeconds: z.number().int().nonnegative().optional(),
  /** 'DPoP' when the server bound it to the connection's DPoP key (used with a proof); absent: Bearer. */
  tokenType: z.literal('DPoP').optional(),
});
export type CachedAccessToken = z.infer<typeof CachedAccessToken>;

/** A connection's DPoP key pair (RFC 9449; dpop-key.ts): P-256, the private JWK never leaves the vault. */
export const DpopKey = z.object({
  privateJwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), d: z.string() }),
  /** RFC 7638 SHA-256 thumbprint of the public key: the `cnf.jkt` its tokens are bound to. */
  thumbprint: z.string(),
});
export type DpopKey = z.infer<typeof DpopKey>;

export const ConnectionRecord = z.object({
  /** Canonical MCP server URL: with `account`, the key, compared exactly (threat T07). */
  resource: z.string(),
  /**
   * Which of the owner's accounts on this server (protocol.md T8); absent: the default account, as
   * on every connection stored before labels (they read unchanged, keyed by the resource alone).
   */
  account: z.string().regex(ACCOUNT_LABEL_PATTERN).optional(),
  /** Where the MCP server lives, as the user gave it (may differ from `resource` by a slash). */
  serverUrl: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  /** AS metadata as discovered and validated (not secret; saves a round trip per process). */
  serverMetadata: z.record(z.string(), z.unknown()),
  resourceMetadataUrl: z.string().optional(),
  /**
   * Found the 2025-03-26 way (no resource metadata; protocol.md P5): the AS is the server's origin,
   * from its RFC 8414 metadata or the default endpoints. Re-discovery keeps to the same way.
   */
  legacyDiscovery: z.enum(['metadata', 'default-endpoints']).optional(),
  resourceScopes: z.array(z.string()).optional(),
  /** Scopes the AS granted, as of the last authorization or refresh. */
  scopes: z.array(z.string()),
  /** Scope upgrades the user or AS refused: not asked again automatically (T3). */
  deniedScopes: z.array(z.string()).default([]),
  /** Send RFC 8707 `resource` (A5). Off only for ASes that reject it. */
  sendResource: z.boolean().default(true),
  /** `--callback-port`: sign-ins for this connection bind exactly 127.0.0.1:<port> (ASes that match redirect URIs with the port). */
  callbackPort: z.number().int().min(1).max(65_535).optional(),
  /** `--device` / `--paste`: how `latchkey connect` signs in again for this connection; absent: the browser. */
  signIn: z.enum(['device', 'paste']).optional(),
  refreshToken: z.string().optional(),
  accessToken: CachedAccessToken.optional(),
  /** Present when its authorization server advertises DPoP: its tokens are bound to this key and used with a proof. */
  dpopKey: DpopKey.optional(),
  /**
   * Enterprise-managed (protocol.md R7): every token comes from a fresh ID-JAG of the organisation's
   * identity provider (`idp`, its issuer) redeemed with the JWT-bearer grant; no browser sign-in at
   * the server, no refresh token. Absent: an ordinary connection.
   */
  managed: z.object({ by: z.literal('enterprise'), idp: z.string() }).optional(),
  status: z.enum(['ok', 'needs-reauth']),
  /**
   * 'open-until-401': the server answered without a token, so nobody signed in (T9); `issuer` and
   * `clientId` are empty and no token is held until its first 401. Absent: signed in.
   */
  access: z.literal('open-until-401').optional(),
  /** The first 401 an agent met while the connection was open (T9): the owner's sign-in answers it. */
  firstChallenge: z.object({ resourceMetadata: z.string().optional(), scope: z.array(z.string()).optional() }).optional(),
  connectedAt: z.number(),
  updatedAt: z.number(),
});
export type ConnectionRecord = z.infer<typeof ConnectionRecord>;

export const WalletDocument = z.object({
  clients: z.record(z.string(), ClientRecord).default({}),
  /** Keyed by connectionKey (connections/accounts.ts): the resource, and a space and the label for a labelled account. */
  connections: z.record(z.string(), ConnectionRecord).default({}),
});
export type WalletDocument = z.infer<typeof WalletDocument>;
