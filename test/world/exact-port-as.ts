/**
 * An authorization server that matches redirect URIs exactly, port included: a client registered
 * with `http://127.0.0.1/callback` cannot use `http://127.0.0.1:53123/callback` (RFC 8252 §7.3
 * port freedom is not honoured), so it needs a fixed callback port registered as such. The MCP
 * server on another origin names it in its protected resource metadata.
 *
 *   const strict = await startExactRedirectServer();
 *   strict.url, strict.issuer
 *   strict.as.requests   // authorization requests with their redirectUri and status
 *   await strict.close();
 */
import { startVariantPair, type VariantPair } from './variant-pair.js';

export function startExactRedirectServer(): Promise<VariantPair> {
  return startVariantPair({ exactRedirectUris: true }, 'Latchkey test MCP server (AS with exact redirect URIs)');
}
