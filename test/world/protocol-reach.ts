/**
 * Every protocol-reach server at once, for `npm run world` and for tests that want them all:
 * started on request next to a running world (startWorld() itself does not start them, so its
 * start time stays as it was).
 *
 *   const world = await startWorld();
 *   const reach = await startProtocolReachServers(world);
 *   reach.modern.url, reach.legacyMetadata.url, reach.legacyDefaults.url, reach.migration.url,
 *   reach.slow.url, reach.noResource.url, reach.exactPort.url, reach.openUntil401.url
 *   await reach.close();   // before world.close()
 */
import type { TestAuthorizationServer } from './authorization-server.js';
import { startExactRedirectServer } from './exact-port-as.js';
import { startLegacy20250326Server, type Legacy20250326Server } from './legacy-2025-03-26.js';
import { startMcpServer2026, type TestMcpServer2026 } from './mcp-server-2026.js';
import { startMigrationScenario, type MigrationScenario } from './migration.js';
import { startOpenUntil401Server, type OpenUntil401Server } from './open-until-401.js';
import { startResourceRejectingServer } from './no-resource-as.js';
import { startSlowAuthorizationServer, type SlowAuthorizationServer } from './slow-as.js';
import type { VariantPair } from './variant-pair.js';

export interface ProtocolReachServers {
  readonly modern: TestMcpServer2026;
  readonly legacyMetadata: Legacy20250326Server;
  readonly legacyDefaults: Legacy20250326Server;
  readonly migration: MigrationScenario;
  readonly slow: SlowAuthorizationServer;
  readonly noResource: VariantPair;
  readonly exactPort: VariantPair;
  readonly openUntil401: OpenUntil401Server;
  close(): Promise<void>;
}

export async function startProtocolReachServers(world: { as: TestAuthorizationServer }, options: { slowDelayMs?: number } = {}): Promise<ProtocolReachServers> {
  const started = await Promise.allSettled([
    startMcpServer2026(world),
    startLegacy20250326Server({ variant: 'metadata' }),
    startLegacy20250326Server({ variant: 'defaults' }),
    startMigrationScenario(world),
    startSlowAuthorizationServer(options.slowDelayMs === undefined ? {} : { delayMs: options.slowDelayMs }),
    startResourceRejectingServer(),
    startExactRedirectServer(),
    startOpenUntil401Server(world),
  ]);
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async (): Promise<void> => {
    await Promise.allSettled(servers.map((server) => server.close()));
  };
  const [modern, legacyMetadata, legacyDefaults, migration, slow, noResource, exactPort, openUntil401] = started;
  if (
    modern?.status !== 'fulfilled' ||
    legacyMetadata?.status !== 'fulfilled' ||
    legacyDefaults?.status !== 'fulfilled' ||
    migration?.status !== 'fulfilled' ||
    slow?.status !== 'fulfilled' ||
    noResource?.status !== 'fulfilled' ||
    exactPort?.status !== 'fulfilled' ||
    openUntil401?.status !== 'fulfilled'
  ) {
    await close();
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    throw failed?.reason instanceof Error ? failed.reason : new Error('a protocol-reach server did not start');
  }
  return {
    modern: modern.value,
    legacyMetadata: legacyMetadata.value,
    legacyDefaults: legacyDefaults.value,
    migration: migration.value,
    slow: slow.value,
    noResource: noResource.value,
    exactPort: exactPort.value,
    openUntil401: openUntil401.value,
    close,
  };
}
