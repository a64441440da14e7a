/**
 * The DPoP extension scenarios (auth/dpop, auth/dpop-nonce; RFC 9449): nothing special is set up
 * for them. Latchkey's own sign-in sees `dpop_signing_alg_values_supported` in the authorization
 * server's metadata, makes the connection a key and proves it on the token request (answering the
 * server's `use_dpop_nonce` once); the wallet then hands out a 'DPoP' token, and the MCP fetch
 * sends it with a fresh proof the wallet signs for each request (the key never leaves it),
 * retrying with the resource server's nonce when it asks for one.
 */
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import type { ProofFor } from '../mcp-session.js';

export const DPOP_SCENARIOS = new Set(['auth/dpop', 'auth/dpop-nonce']);

/** Proofs for requests to the connection of `serverUrl`, signed by the wallet through its owner API. */
export function proofsFromWallet(wallet: Wallet, serverUrl: string): ProofFor {
  return async ({ method, url, ath, nonce }) => {
    const { proof } = await wallet.dpopProof({ url: serverUrl, method: method.toUpperCase(), target: url, ath, ...(nonce === undefined ? {} : { nonce }) });
    return proof;
  };
}
