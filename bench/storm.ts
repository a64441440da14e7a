/**
 * Benchmark 3: a refresh storm. 200 concurrent asks on an expired token against the real AS:
 *  - owner: `wallet.accessToken()` on the connection (single-flight refresh → must be 1 request);
 *  - agent: broker hand-outs for one agent whose cached token expired (what 200 `latchkey token`
 *    processes of one agent would cause).
 * Each storm is preceded by moving the wallet's clock past the tokens' expiry.
 */
import { formatNumber, type Figure } from './report.js';
import { summarize, type LatencySummary } from './stats.js';
import type { StormRun, WorldHost } from './world.js';

export interface StormOptions {
  quick: boolean;
  world: WorldHost;
  log: (line: string) => void;
}

export interface StormSide {
  asRequests: number;
  distinctTokens: number;
  failures: number;
  latency: LatencySummary;
}

export interface StormResult {
  figures: Figure[];
  details: { asks: number; owner: StormSide; agent: StormSide };
}

const ASKS = 200;

export async function benchStorm(options: StormOptions): Promise<StormResult> {
  const { world } = options;
  await world.call('advance');
  const owner = side(await world.call<StormRun>('stormOwner', { count: ASKS }));
  options.log(`storm owner: ${owner.asRequests} AS refresh request(s), ${owner.distinctTokens} distinct token(s), p99 ${formatNumber(owner.latency.p99Ms, 'ms')}`);
  await world.call('advance');
  const agent = side(await world.call<StormRun>('stormAgent', { count: ASKS }));
  options.log(`storm agent: ${agent.asRequests} AS refresh request(s), ${agent.distinctTokens} distinct token(s), p99 ${formatNumber(agent.latency.p99Ms, 'ms')}`);
  const figures: Figure[] = [
    {
      key: 'storm_as_requests',
      label: `owner: AS token requests for ${ASKS} concurrent asks`,
      value: owner.asRequests,
      unit: 'count',
      baseline: `${owner.distinctTokens} distinct token(s), ${owner.failures} failed`,
      target: { op: '=', limit: 1 },
    },
    { key: 'storm_p99_ms', label: 'owner: p99 per ask', value: owner.latency.p99Ms, unit: 'ms', baseline: `p50 ${formatNumber(owner.latency.p50Ms, 'ms')}` },
    {
      key: 'storm_agent_as_requests',
      label: `agent: AS token requests for ${ASKS} concurrent hand-outs`,
      value: agent.asRequests,
      unit: 'count',
      baseline: `${agent.distinctTokens} distinct token(s), ${agent.failures} failed`,
      target: { op: '=', limit: 1 },
    },
    { key: 'storm_agent_p99_ms', label: 'agent: p99 per hand-out', value: agent.latency.p99Ms, unit: 'ms', baseline: `p50 ${formatNumber(agent.latency.p50Ms, 'ms')}` },
  ];
  return { figures, details: { asks: ASKS, owner, agent } };
}

function side(run: StormRun): StormSide {
  return { asRequests: run.asRequests, distinctTokens: run.distinctTokens, failures: run.failures, latency: summarize(run.samplesMs, run.wallMs) };
}
