import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../../../electron/base/ids.js';
import { SecretHashes } from '../../../../electron/wallet/agents/secret-match.js';
import type { AgentsDocument } from '../../../../electron/wallet/agents/records.js';

const document: AgentsDocument = {
  agents: { agt_a: { id: 'agt_a', name: 'a', kind: 'interactive', createdAt: 1, secretHash: hashSecret('agent-secret') } },
  sessions: {
    ses_live: { id: 'ses_live', agentId: 'agt_a', createdAt: 1, expiresAt: 10, secretHash: hashSecret('live-secret') },
    ses_over: { id: 'ses_over', agentId: 'agt_a', createdAt: 1, expiresAt: 10, endedAt: 5, endReason: 'exited', secretHash: hashSecret('ended-secret') },
  },
};

describe('T11: who holds a secret', () => {
  it('an agent secret names the agent; a live session secret names the session too', () => {
    const hashes = SecretHashes.of(document);
    expect(hashes.match('agent-secret')).toEqual({ agentId: 'agt_a' });
    expect(hashes.match('live-secret')).toEqual({ agentId: 'agt_a', sessionId: 'ses_live' });
  });

  it('an ended session secret and an unknown secret match nothing', () => {
    const hashes = SecretHashes.of(document);
    expect(hashes.match('ended-secret')).toBeUndefined();
    expect(hashes.match('nobody')).toBeUndefined();
  });

  it('keeps the document it was read from, so the registry reads the hashes again only when it changes', () => {
    expect(SecretHashes.of(document).document).toBe(document);
  });
});

describe('T11: one lookup whatever the number of holders', () => {
  const many: AgentsDocument = {
    agents: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`agt_${i}`, { id: `agt_${i}`, name: `a${i}`, kind: 'interactive' as const, createdAt: i, secretHash: hashSecret(`secret-${i}`) }]),
    ),
    sessions: {},
  };

  it('every one of 200 agents is found by its own secret, and by no other', () => {
    const hashes = SecretHashes.of(many);
    for (let i = 0; i < 200; i += 1) expect(hashes.match(`secret-${i}`)).toEqual({ agentId: `agt_${i}` });
    expect(hashes.match('secret-200')).toBeUndefined();
    expect(hashes.match('')).toBeUndefined();
  });

  it('a secret held twice names its first holder, the agent before a session, as the full scan did', () => {
    const clash: AgentsDocument = {
      agents: { agt_a: { id: 'agt_a', name: 'a', kind: 'interactive', createdAt: 1, secretHash: hashSecret('same') } },
      sessions: { ses_b: { id: 'ses_b', agentId: 'agt_a', createdAt: 1, expiresAt: 10, secretHash: hashSecret('same') } },
    };
    expect(SecretHashes.of(clash).match('same')).toEqual({ agentId: 'agt_a' });
  });

  it('hands out a copy of the holder, so a caller cannot change what the next lookup finds', () => {
    const hashes = SecretHashes.of(document);
    const found = hashes.match('live-secret');
    if (found !== undefined) found.agentId = 'agt_other';
    expect(hashes.match('live-secret')).toEqual({ agentId: 'agt_a', sessionId: 'ses_live' });
  });
});
