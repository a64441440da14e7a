/**
 * The JWK set an administrator registers for an agent's key: only the public members of the key
 * the wallet generated. The wallet hands back the public half already; the window keeps only
 * members known to be public all the same, so a private member could never be shown or copied.
 */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

export interface PublicJwks {
  keys: Array<Record<string, string>>;
}

function publicMembers(jwk: Record<string, unknown>): Record<string, string> {
  const key: Record<string, string> = {};
  for (const member of PUBLIC_MEMBERS) {
    const value = jwk[member];
    if (typeof value === 'string') key[member] = value;
  }
  return key;
}

export function publicJwksOf(jwks: ReadonlyArray<Record<string, unknown>>): PublicJwks {
  return { keys: jwks.map(publicMembers) };
}

/** The set as the administrator pastes it: two-space JSON. */
export function formatJwks(jwks: PublicJwks): string {
  return `${JSON.stringify(jwks, null, 2)}\n`;
}
