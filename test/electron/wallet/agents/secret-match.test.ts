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
