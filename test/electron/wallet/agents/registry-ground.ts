/**
 * What the registry, delegation and grant-store tests stand on: a memory vault, a scheduler the
 * test drives by hand and a clock on it; and the agent registry on such ground.
 */
import { AgentRegistry } from '../../../../electron/wallet/agents/agent-registry.js';
import type { ProcessProbe } from '../../../../electron/wallet/agents/runner-process.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { clockOf, ManualScheduler } from './manual-scheduler.js';

export interface Ground {
  vault: Vault;
  scheduler: ManualScheduler;
  clock: { now(): number };
}

export async function openGround(): Promise<Ground> {
  const vault = await openVault({ dir: '', mode: 'memory' });
  const scheduler = new ManualScheduler();
  return { vault, scheduler, clock: clockOf(scheduler) };
}

/** A registry on fresh ground; `processes` stands in for the process table when a test stages it. */
export async function openRegistry(processes?: ProcessProbe): Promise<Ground & { registry: AgentRegistry }> {
  const ground = await openGround();
  const registry = new AgentRegistry({ ...ground, ...(processes === undefined ? {} : { processes }) });
  return { ...ground, registry };
}
