import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { AgentsDocument } from '../../../../electron/wallet/agents/records.js';
import { checkName, checkTtl, findAgentRecord, MAX_SESSION_TTL_SECONDS, pruneSessions, SESSION_RETENTION_MS } from '../../../../electron/wallet/agents/registry-rules.js';

const HASH = '0'.repeat(64);

describe("the registry's rules", () => {
  it('names: letters, digits, dots, dashes, underscores; anything else is invalid input', () => {
    expect(checkName('ci-bot.v2')).toBe('ci-bot.v2');
    for (const bad of ['', '-x', 'has space', 'x'.repeat(65)]) expect(() => checkName(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
  });

  it('session lifetimes: whole seconds from 1 s to 30 days', () => {
    expect(checkTtl(1)).toBe(1);
    expect(checkTtl(MAX_SESSION_TTL_SECONDS)).toBe(MAX_SESSION_TTL_SECONDS);
    for (const bad of [0, 1.5, MAX_SESSION_TTL_SECONDS + 1]) expect(() => checkTtl(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
  });

  it('finds an agent by id, else by exact name', () => {
    const doc: AgentsDocument = { agents: { agt_a: { id: 'agt_a', name: 'ci-bot', kind: 'interactive', createdAt: 1, secretHash: HASH } }, sessions: {} };
    expect(findAgentRecord(doc, 'agt_a')?.name).toBe('ci-bot');
    expect(findAgentRecord(doc, 'ci-bot')?.id).toBe('agt_a');
    expect(findAgentRecord(doc, 'CI-BOT')).toBeUndefined();
    expect(findAgentRecord(doc, 'toString')).toBeUndefined();
  });

  it('drops sessions over for longer than the retention, keeps the rest', () => {
    const now = 10 * SESSION_RETENTION_MS;
    const doc: AgentsDocument = {
      agents: {},
      sessions: {
        ses_old: { id: 'ses_old', agentId: 'agt_a', createdAt: 0, expiresAt: now - SESSION_RETENTION_MS - 1, secretHash: HASH },
        ses_recent: { id: 'ses_recent', agentId: 'agt_a', createdAt: 0, expiresAt: now + 1, endedAt: now - 1, secretHash: HASH },
      },
    };
    pruneSessions(doc, now);
    expect(Object.keys(doc.sessions)).toEqual(['ses_recent']);
  });
});
