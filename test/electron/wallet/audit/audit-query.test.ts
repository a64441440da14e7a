/**
 * Audit queries read the log newest first and stop at the limit: they give what filtering every
 * well-formed event would, oldest first, across segments, skip torn and foreign lines, and see the
 * log as it was when they were asked while appends rotate segments under them.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../shared/agents.js';
import { openAuditLog, type AuditInput, type AuditLog, type AuditQuery } from '../../../../electron/wallet/audit/audit-log.js';
import { matches, needlesOf } from '../../../../electron/wallet/audit/audit-query.js';
import { MemoryStorage } from '../../../../electron/wallet/audit/audit-storage.js';
import { parseLine } from '../../../../electron/wallet/audit/chain.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { clockOf, ManualScheduler } from '../agents/manual-scheduler.js';

const AGENTS = ['agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'agt_"quoted"\\é'];
const RESOURCES = ['https://one.example/mcp', 'https://two.example/mcp?x="y"'];

function inputOf(i: number): AuditInput {
  const agentId = AGENTS[i % AGENTS.length]!;
  const resource = RESOURCES[i % RESOURCES.length]!;
  if (i % 5 === 4) return { type: 'token.refused', agentId, resource, outcome: 'denied', reason: 'grant.none' };
  if (i % 7 === 6) return { type: 'agent.enrolled', agentId, agentName: 'n', outcome: 'ok', actor: 'owner' };
  return { type: 'token.issued', agentId, agentName: 'n', resource, scopes: ['read'], outcome: 'ok', tokenFingerprint: fingerprint(`token-${i}`) };
}

const QUERIES: AuditQuery[] = [
  {},
  { limit: 1 },
  { limit: 13 },
  { agentId: AGENTS[2]! },
  { agentId: AGENTS[1]!, limit: 9 },
  { agentId: 'agt_nobody', limit: 5 },
  { resource: RESOURCES[1]!, limit: 20 },
  { outcome: 'denied', limit: 7 },
  { outcome: 'denied', agentId: AGENTS[0]! },
  { type: 'agent.enrolled', limit: 3 },
  { since: 1_700_000_000_000 + 60 * 1000, limit: 1000 },
  { since: 1_700_000_000_000 + 60 * 1000, resource: RESOURCES[0]! },
];

/** What a query must give: every well-formed matching event in the log's text, the newest `limit`, oldest first. */
function naive(text: string, query: AuditQuery): number[] {
  const all = text
    .split(/\r\n|\n|\r/u)
    .map((line) => parseLine(line)?.event)
    .filter((event): event is AuditEvent => event !== undefined && matches(event, query));
  return all.slice(-(query.limit ?? all.length)).map((event) => event.seq);
}

describe('audit queries', () => {
  let dir: string;
  const open: AuditLog[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-query-'));
  });
  afterEach(async () => {
    for (const log of open.splice(0)) await log.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function segmented(maxSegmentBytes: number): Promise<{ log: AuditLog; scheduler: ManualScheduler }> {
    const scheduler = new ManualScheduler();
    const log = await openAuditLog({ path: join(dir, 'audit.jsonl'), maxSegmentBytes, clock: clockOf(scheduler), scheduler });
    open.push(log);
    return { log, scheduler };
  }

  async function storedText(): Promise<string> {
    const names = (await readdir(dir)).filter((name) => name.startsWith('audit.')).sort((a, b) => (a === 'audit.jsonl' ? -1 : b === 'audit.jsonl' ? 1 : a < b ? -1 : 1));
    return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('');
  }

  it('give what filtering every event would, across segments, for each filter and limit', async () => {
    const { log, scheduler } = await segmented(2000);
    for (let i = 0; i < 240; i += 1) {
      scheduler.now += 1000;
      await log.append(inputOf(i));
    }
    const text = await storedText();
    expect((await readdir(dir)).length).toBeGreaterThan(10);
    for (const query of QUERIES) {
      const got = (await log.query(query)).map((event) => event.seq);
      expect(got, JSON.stringify(query)).toEqual(naive(text, query));
    }
  });

  it('skip torn, foreign and malformed lines, and never return one', async () => {
    const storage = new MemoryStorage();
    const scheduler = new ManualScheduler();
    const log = await openAuditLog({ storage, clock: clockOf(scheduler), scheduler });
    open.push(log);
    for (let i = 0; i < 6; i += 1) await log.append(inputOf(i));
    const [first, ...rest] = storage.text.split('\n');
    const foreign = [
      'not json at all',
      `[${JSON.stringify(AGENTS[0])}]`,
      `{"agentId":${JSON.stringify(AGENTS[0])},"outcome":"ok"}`,
      `{"seq":99,"time":1,"type":"no.such.type","agentId":${JSON.stringify(AGENTS[0])},"outcome":"ok","prevHash":"x","hash":"y"}`,
      'null',
      `{"seq":"7","agentId":${JSON.stringify(AGENTS[0])}`,
    ];
    storage.text = `${first}\r\n${foreign.join('\n')}\n${rest.join('\n')}{"seq":100,"agentId":${JSON.stringify(AGENTS[0])}`;
    for (const query of [...QUERIES, { agentId: AGENTS[0]!, limit: 2 }]) {
      const got = await log.query(query);
      expect(got.map((event) => event.seq), JSON.stringify(query)).toEqual(naive(storage.text, query));
      for (const event of got) expect(event.seq).toBeLessThan(6);
    }
  });

  it('see the log as it was when asked, while appends rotate segments under them', async () => {
    const { log } = await segmented(600);
    for (let i = 0; i < 40; i += 1) await log.append(inputOf(i));
    const asked = [log.query({ limit: 25 }), log.query(), log.query({ agentId: AGENTS[0]! })];
    const appends = Array.from({ length: 40 }, (_, i) => log.append(inputOf(40 + i)));
    const [latest, all, agent] = await Promise.all(asked);
    await Promise.all(appends);
    expect(latest?.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 15 + i));
    expect(all?.map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(agent?.map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % AGENTS.length === 0));
    expect((await log.query({ limit: 3 })).map((event) => event.seq)).toEqual([77, 78, 79]);
  });

  it('read past empty segments, an emptied middle one and a new newest one alike', async () => {
    const { log } = await segmented(600);
    for (let i = 0; i < 40; i += 1) await log.append(inputOf(i));
    await log.close();
    const names = (await readdir(dir)).filter((name) => name.startsWith('audit.')).sort();
    const middle = names[Math.floor(names.length / 2)]!;
    await writeFile(join(dir, middle), '');
    await writeFile(join(dir, `audit.${String(names.length).padStart(6, '0')}.jsonl`), '');
    const { log: reopened } = await segmented(600);
    const text = await storedText();
    for (const query of QUERIES) expect((await reopened.query(query)).map((event) => event.seq), JSON.stringify(query)).toEqual(naive(text, query));
    expect((await reopened.query({ limit: 2 })).map((event) => event.seq)).toEqual([38, 39]);
  });

  it('check a line for the JSON text of each field asked for before parsing it', () => {
    expect(needlesOf({})).toEqual([]);
    expect(needlesOf({ agentId: 'agt_"x"', outcome: 'denied', since: 5, limit: 3 })).toEqual(['"agentId":"agt_\\"x\\""', '"outcome":"denied"']);
    const event = { agentId: AGENTS[2], resource: RESOURCES[1], outcome: 'ok', type: 'token.issued' };
    const line = JSON.stringify(event);
    for (const needle of needlesOf({ agentId: AGENTS[2]!, resource: RESOURCES[1]!, outcome: 'ok', type: 'token.issued' })) expect(line).toContain(needle);
  });
});
