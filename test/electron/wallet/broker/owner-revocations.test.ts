import { describe, expect, it } from 'vitest';
import { OwnerRevocations } from '../../../../electron/wallet/broker/owner-revocations.js';

const AGENT = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R = 'https://mcp.example.com/mcp';

describe('OwnerRevocations', () => {
  it('blocks callers without a session and sessions that began before the revoke, not later ones', () => {
    const revocations = new OwnerRevocations();
    revocations.note({ agentId: AGENT, resource: R }, 1_000);
    expect(revocations.blocks({ agentId: AGENT, resource: R }, undefined)).toBe(true);
    expect(revocations.blocks({ agentId: AGENT, resource: R }, 999)).toBe(true);
    expect(revocations.blocks({ agentId: AGENT, resource: R }, 1_001)).toBe(false);
  });

  it('names one agent, server and account exactly', () => {
    const revocations = new OwnerRevocations();
    revocations.note({ agentId: AGENT, resource: R, account: 'work' }, 1_000);
    expect(revocations.blocks({ agentId: AGENT, resource: R, account: 'work' }, undefined)).toBe(true);
    expect(revocations.blocks({ agentId: AGENT, resource: R }, undefined)).toBe(false);
    expect(revocations.blocks({ agentId: AGENT, resource: `${R}/`, account: 'work' }, undefined)).toBe(false);
    expect(revocations.blocks({ agentId: 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', resource: R, account: 'work' }, undefined)).toBe(false);
  });

  it('forgets a removed agent', () => {
    const revocations = new OwnerRevocations();
    revocations.note({ agentId: AGENT, resource: R }, 1_000);
    revocations.forgetAgent(AGENT);
    expect(revocations.blocks({ agentId: AGENT, resource: R }, undefined)).toBe(false);
  });
});
