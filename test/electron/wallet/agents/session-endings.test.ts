import { describe, expect, it } from 'vitest';
import type { AgentsDocument, SessionRecord } from '../../../../electron/wallet/agents/records.js';
import { endAgentSessions, endExitedSessions, endSessionTree } from '../../../../electron/wallet/agents/session-endings.js';

const HASH = '0'.repeat(64);

function session(id: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return { id, agentId: 'agt_a', createdAt: 1, expiresAt: 1_000, secretHash: HASH, ...extra };
}

/** ses_p with a delegated ses_c; ses_other stands alone; ses_done ended earlier. */
function document(): AgentsDocument {
  return {
    agents: {},
    sessions: {
      ses_p: session('ses_p'),
      ses_c: session('ses_c', { parentSessionId: 'ses_p' }),
      ses_other: session('ses_other', { agentId: 'agt_b' }),
      ses_done: session('ses_done', { endedAt: 3, endReason: 'exited' }),
    },
  };
}

describe('how sessions end', () => {
  it('T40: ending a session ends the sessions delegated from it; an unknown id is undefined', () => {
    const doc = document();
    expect(endSessionTree(doc, 'ses_p', 'revoked', 50)).toMatchObject({ endedAt: 50, endReason: 'revoked' });
    expect(doc.sessions['ses_c']).toMatchObject({ endedAt: 50, endReason: 'parent-ended' });
    expect(doc.sessions['ses_other']?.endedAt).toBeUndefined();
    expect(endSessionTree(doc, 'ses_nope', 'revoked', 50)).toBeUndefined();
  });

  it('a session that already ended keeps its first end time and reason', () => {
    const doc = document();
    endSessionTree(doc, 'ses_done', 'revoked', 50);
    expect(doc.sessions['ses_done']).toMatchObject({ endedAt: 3, endReason: 'exited' });
  });

  it("a removed agent's sessions end as revoked; another agent's do not", () => {
    const doc = document();
    endAgentSessions(doc, 'agt_a', 60);
    expect(doc.sessions['ses_p']).toMatchObject({ endedAt: 60, endReason: 'revoked' });
    expect(doc.sessions['ses_done']).toMatchObject({ endedAt: 3, endReason: 'exited' });
    expect(doc.sessions['ses_other']?.endedAt).toBeUndefined();
  });

  it('T36: sessions whose runner exited end as runner-exited, with their delegated ones, and are returned', () => {
    const doc = document();
    const ended = endExitedSessions(doc, ['ses_p', 'ses_done'], 70);
    expect(ended.map((s) => [s.id, s.endReason])).toEqual([
      ['ses_p', 'runner-exited'],
      ['ses_c', 'parent-ended'],
    ]);
  });
});
