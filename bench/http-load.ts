/**
 * The one client both the bridge and the bare baseline server are measured with: N virtual
 * agents, each its own keep-alive connection (as separate agent processes would have), each
 * sending the same POST /v1/token request shape back to back. Every answer must be a 200 with an
 * access_token, or the run fails (a refusal would be faster and lie about the hot path).
 */
import { Agent, request, type RequestOptions } from 'node:http';
import { BRIDGE_HEADER, BRIDGE_HEADER_VALUE } from '../shared/bridge.js';

export type HttpTarget = { socketPath: string } | { host: string; port: number };

export interface LoadOptions {
  target: HttpTarget;
  /** One secret per virtual agent; their number is the concurrency. */
  secrets: readonly string[];
  resource: string;
  requestsPerAgent: number;
  /** Unmeasured requests per agent first (opens the connections, warms the JIT). */
  warmupPerAgent: number;
  /** Each agent stops early once this much time has passed (a loaded machine stays within budget). */
  maxMs: number;
}

export interface LoadResult {
  samplesMs: number[];
  wallMs: number;
  /** Requests sent in all, warm-up included (what the server's CPU time is divided by). */
  requests: number;
}

export function targetFromUrl(url: string): HttpTarget {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const body = JSON.stringify({ resource: options.resource });
  const agents = options.secrets.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    const warmUntil = performance.now() + Math.min(options.maxMs, 1000);
    const warm = await Promise.all(options.secrets.map((secret, i) => loop(options.target, agents[i]!, secret, body, options.warmupPerAgent, warmUntil, undefined)));
    const samplesMs: number[] = [];
    const started = performance.now();
    const until = started + options.maxMs;
    await Promise.all(options.secrets.map((secret, i) => loop(options.target, agents[i]!, secret, body, options.requestsPerAgent, until, samplesMs)));
    return { samplesMs, wallMs: performance.now() - started, requests: samplesMs.length + warm.reduce((sum, n) => sum + n, 0) };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

export interface PairedOptions {
  /** Two servers, asked in turn by one agent: each request of one is next to a request of the other. */
  targets: readonly [HttpTarget, HttpTarget];
  secret: string;
  resource: string;
  requests: number;
  warmup: number;
  maxMs: number;
}

/**
 * One agent alternating between two servers (who goes first alternates too), so both see the same
 * moment of the machine: on a shared, loaded machine this is what keeps a 1-agent comparison fair.
 * Wall time of each side is the sum of its own latencies (sequential throughput).
 */
export async function runPaired(options: PairedOptions): Promise<[LoadResult, LoadResult]> {
  const body = JSON.stringify({ resource: options.resource });
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })] as const;
  const samples: [number[], number[]] = [[], []];
  const round = async (count: number, maxMs: number, record: boolean): Promise<void> => {
    const started = performance.now();
    for (let i = 0; i < count && performance.now() - started < maxMs; i += 1) {
      for (const side of i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
        const t = performance.now();
        await postToken(options.targets[side], agents[side], options.secret, body);
        if (record) samples[side].push(performance.now() - t);
      }
    }
  };
  try {
    await round(options.warmup, Math.min(options.maxMs, 1000), false);
    await round(options.requests, options.maxMs, true);
  } finally {
    for (const agent of agents) agent.destroy();
  }
  const sum = (values: number[]): number => values.reduce((total, v) => total + v, 0);
  return [
    { samplesMs: samples[0], wallMs: sum(samples[0]), requests: samples[0].length },
    { samplesMs: samples[1], wallMs: sum(samples[1]), requests: samples[1].length },
  ];
}

/** One agent's requests, back to back; resolves with how many it sent. */
async function loop(target: HttpTarget, agent: Agent, secret: string, body: string, count: number, until: number, samples: number[] | undefined): Promise<number> {
  let sent = 0;
  for (; sent < count && performance.now() < until; sent += 1) {
    const started = performance.now();
    await postToken(target, agent, secret, body);
    samples?.push(performance.now() - started);
  }
  return sent;
}

/** The request an agent-side client sends (client.ts): bridge header, bearer secret, JSON body. */
export function postToken(target: HttpTarget, agent: Agent, secret: string, body: string): Promise<void> {
  const options: RequestOptions = {
    ...target,
    method: 'POST',
    path: '/v1/token',
    agent,
    headers: {
      [BRIDGE_HEADER]: BRIDGE_HEADER_VALUE,
      accept: 'application/json',
      authorization: `Bearer ${secret}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    },
  };
  return new Promise<void>((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(text) as { access_token?: unknown };
        if (res.statusCode !== 200 || typeof parsed.access_token !== 'string') {
          reject(new Error(`expected a token, got HTTP ${res.statusCode ?? '?'}: ${text.slice(0, 200)}`));
          return;
        }
        resolve();
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}
