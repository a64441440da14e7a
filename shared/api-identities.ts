/**
 * The owner API's schemas for agents with identities of their own: an agent's own client (R5, R6),
 * an autonomous agent in one step, public key sets, and the organisation's identity provider (R7).
 * Part of the one contract in api.ts, which re-exports what callers use.
 */
import { z } from 'zod';
import { IdOrName, Scopes, Url } from './api-fields.js';

/** An agent's own client at an MCP server's authorization server (R5): a secret, or a key Latchkey generates. */
export const SetAgentClientParams = z
  .object({
    agent: IdOrName,
    server: Url,
    /** Required but for a workload identity, which may present its token without a client. */
    clientId: z.string().min(1).max(512).optional(),
    clientSecret: z.string().min(1).max(4096).optional(),
    /** Generate a key pair of this algorithm for private_key_jwt (the private key stays in the vault). */
    generateKey: z.enum(['ES256', 'RS256']).optional(),
    /** R6: a workload identity whose platform token the wallet reads from this absolute file path at every grant. */
    workloadTokenFile: z.string().min(2).max(4096).startsWith('/').optional(),
    /** R6: … or from this environment variable of the wallet's own process (the daemon or the host). */
    workloadTokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/).optional(),
  })
  .strict()
  .refine((params) => [params.clientSecret, params.generateKey, params.workloadTokenFile, params.workloadTokenEnv].filter((value) => value !== undefined).length === 1, {
    message: 'give one of a client secret, a key to generate, a workload token file or a workload token variable',
  })
  .refine((params) => params.clientId !== undefined || params.workloadTokenFile !== undefined || params.workloadTokenEnv !== undefined, { message: 'a client secret or key needs a client id' });
export type SetAgentClientParams = z.infer<typeof SetAgentClientParams>;

export const AgentClientSummarySchema = z.object({
  agentId: z.string(),
  resource: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  method: z.enum(['client_secret_basic', 'private_key_jwt', 'workload_token']),
  keyThumbprint: z.string().optional(),
  /** workload_token (R6): where the platform token is read ("file PATH", "environment variable NAME"); never the token. */
  workloadSource: z.string().optional(),
  /** Its tokens are DPoP-bound (A8): the RFC 7638 thumbprint of its DPoP key, which never leaves the wallet. */
  dpopThumbprint: z.string().optional(),
  createdAt: z.number(),
});

/**
 * An autonomous agent in one step (R5): the agent, its own client at the server's authorization
 * server and its grant there. The client is a secret or a generated key for a client id the
 * administrator gave, or (`register`) a generated key registered by DCR. Scopes: those given, or
 * the server's advertised ones.
 */
export const AddAutonomousAgentParams = z
  .object({
    name: z.string().min(1).max(64),
    server: Url,
    scopes: Scopes.optional(),
    clientId: z.string().min(1).max(512).optional(),
    clientSecret: z.string().min(1).max(4096).optional(),
    /** The key algorithm for private_key_jwt (with `clientId`, or with `register`; default ES256 for `register`). */
    generateKey: z.enum(['ES256', 'RS256']).optional(),
    register: z.boolean().optional(),
  })
  .strict()
  .refine(
    (params) =>
      params.register === true
        ? params.clientId === undefined && params.clientSecret === undefined
        : params.clientId !== undefined && (params.clientSecret === undefined) !== (params.generateKey === undefined),
    { message: 'give a client id with a secret or a key to generate, or register a client (no client id)' },
  );
export type AddAutonomousAgentParams = z.infer<typeof AddAutonomousAgentParams>;

/** A public JWK set: only public members (the private key never leaves the vault). */
export const PublicJwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** Enterprise-managed authorization (R7): the organisation's identity provider and the owner's sign-in there; never a token or secret. */
export const EnterpriseStatusSchema = z.object({
  state: z.enum(['not-configured', 'signed-out', 'signed-in', 'expired']),
  issuer: z.string().optional(),
  clientId: z.string().optional(),
  hasSecret: z.boolean(),
  /** The ID token's `sub` at the identity provider. */
  subject: z.string().optional(),
  idTokenExpiresAt: z.number().optional(),
  /** An IdP refresh token is held: an expired ID token is renewed without a browser. */
  refreshable: z.boolean(),
});
export type EnterpriseStatus = z.infer<typeof EnterpriseStatusSchema>;
