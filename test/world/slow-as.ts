/**
 * A slow authorization server: its metadata (`/.well-known/*`) answers only after a delay longer
 * than a client's discovery budget (default 20 s; `delayMs` is live, set it to 0 to make the
 * provider fast again). Everything else (DCR, authorization, token) answers at once. The MCP
 * server on another origin names it in its protected resource metadata.
 *
 *   const slow = await startSlowAuthorizationServer({ delayMs: 20_000 });
 *   slow.url, slow.issuer, slow.as.metadataRequests
 *   slow.settings.delayMs = 0;
 *   await slow.close();   // also ends metadata requests still waiting
 */
import { startVariantPair, type VariantPair } from './variant-pair.js';

export const DEFAULT_METADATA_DELAY_MS = 20_000;

export interface SlowAuthorizationServer extends VariantPair {
  readonly settings: { delayMs: number };
}

export async function startSlowAuthorizationServer(options: { delayMs?: number } = {}): Promise<SlowAuthorizationServer> {
  const settings = { delayMs: options.delayMs ?? DEFAULT_METADATA_DELAY_MS };
  const pair = await startVariantPair({ metadataDelayMs: () => settings.delayMs }, 'Latchkey test MCP server (slow authorization server)');
  return { ...pair, settings, close: () => pair.close() };
}
