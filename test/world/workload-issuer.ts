/**
 * A platform that issues workload tokens (as a CI system or a cloud metadata service does): one
 * ES256 key pair, `mint` signs a short-lived JWT for an audience, `writeTokenFile` puts one where
 * the workload reads it (mode 0600, replaced atomically, as platforms rotate them). Its public
 * keys are what an authorization server trusts (`trusted`).
 */
import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import type { TrustedAssertionIssuer } from './jwt-bearer-grant.js';

export const DEFAULT_WORKLOAD_ISSUER = 'https://ci.platform.test';
export const DEFAULT_WORKLOAD_SUBJECT = 'repo:latchkey/notes:ref:refs/heads/main';

export interface MintOptions {
  audience: string | string[];
  /** Lifetime in seconds (default 300); negative for a token that has already expired. */
  ttlSeconds?: number;
  subject?: string;
  /** A JWT `typ` header (default 'JWT'). */
  typ?: string;
}

export interface WorkloadIssuer {
  readonly issuer: string;
  readonly subject: string;
  readonly jwks: JSONWebKeySet;
  /** How many tokens it minted. */
  readonly minted: number;
  /** The issuer as an authorization server trusts it. */
  trusted(): TrustedAssertionIssuer;
  mint(options: MintOptions): Promise<string>;
  /** Mints a token and writes it to `path` (0600, atomically); resolves with the token. */
  writeTokenFile(path: string, options: MintOptions): Promise<string>;
}

export async function createWorkloadIssuer(options: { issuer?: string; subject?: string } = {}): Promise<WorkloadIssuer> {
  const issuer = options.issuer ?? DEFAULT_WORKLOAD_ISSUER;
  const subject = options.subject ?? DEFAULT_WORKLOAD_SUBJECT;
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  let minted = 0;

  const mint = async (mintOptions: MintOptions): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const ttl = mintOptions.ttlSeconds ?? 300;
    minted += 1;
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid, typ: mintOptions.typ ?? 'JWT' })
      .setIssuer(issuer)
      .setSubject(mintOptions.subject ?? subject)
      .setAudience(mintOptions.audience)
      .setIssuedAt(Math.min(now, now + ttl - 60))
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(privateKey);
  };

  return {
    issuer,
    subject,
    jwks,
    get minted() {
      return minted;
    },
    trusted: () => ({ issuer, jwks }),
    mint,
    writeTokenFile: async (path, mintOptions) => {
      const token = await mint(mintOptions);
      const staging = `${path}.${randomUUID()}.tmp`;
      await writeFile(staging, `${token}\n`, { mode: 0o600 });
      await rename(staging, path);
      return token;
    },
  };
}
