/**
 * Connection types shared by the core, the CLI, the headless host and the renderer.
 * Nothing secret ever appears in these shapes: tokens only as `AccessTokenResult` to their owner.
 */
import { z } from 'zod';

export const RegistrationKind = z.enum(['pre-registered', 'cimd', 'dcr']);
export type RegistrationKind = z.infer<typeof RegistrationKind>;

export const ConnectionStatus = z.enum(['ok', 'needs-reauth']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const ConnectionSummary = z.object({
  /** Canonical MCP server URL (RFC 8707 resource). */
  resource: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  registration: RegistrationKind,
  scopes: z.array(z.string()),
  status: ConnectionStatus,
  /** Epoch ms of the cached access token's expiry, if one is cached. */
  accessTokenExpiresAt: z.number().optional(),
  hasRefreshToken: z.boolean(),
  connectedAt: z.number(),
  updatedAt: z.number(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export interface AccessTokenResult {
  accessToken: string;
  tokenType: 'Bearer';
  /** Epoch ms. */
  expiresAt: number;
  scope: string[];
}

export type ConnectProgress =
  | { step: 'probing'; resource: string }
  | { step: 'discovered'; resource: string; issuer: string }
  | { step: 'registered'; issuer: string; clientId: string; registration: RegistrationKind }
  | { step: 'browser'; authorizationUrl: string; timeoutMs: number }
  | { step: 'exchanging' }
  | { step: 'connected'; connection: ConnectionSummary };

export interface DisconnectResult {
  resource: string;
  /** 'revoked' at the AS, 'unsupported' (no revocation endpoint), or 'failed' (AS unreachable: local state erased anyway). */
  revocation: 'revoked' | 'unsupported' | 'failed' | 'none';
}
