/**
 * An authorization server that refuses any `resource` parameter (RFC 8707) with
 * `invalid_target`, at the authorization and the token endpoint, as Entra ID does for resources
 * it does not know. Without `resource` it issues tokens whose audience is the MCP server (so a
 * client that leaves the parameter out can use them). The MCP server on another origin names it in
 * its protected resource metadata.
 *
 *   const entra = await startResourceRejectingServer();
 *   entra.url, entra.issuer
 *   entra.as.requests   // [{ route: 'token', status: 400, error: 'invalid_target', resource }, …]
 *   await entra.close();
 */
import { startVariantPair, type VariantPair } from './variant-pair.js';

export function startResourceRejectingServer(): Promise<VariantPair> {
  return startVariantPair({ rejectResource: true }, 'Latchkey test MCP server (AS without resource indicators)');
}
