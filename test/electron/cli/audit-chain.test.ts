/** T40: `latchkey audit` shows a delegated session's chain and the owner a hand-out was for. */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/agents.js';
import { formatAuditEvents } from '../../../electron/cli/commands/audit.js';

const base: AuditEvent = { seq: 1, time: 1_700_000_000_000, type: 'token.issued', agentName: 'lead', outcome: 'ok', prevHash: '0', hash: '1' };

describe('T40: the audit table and the agent chain', () => {
  it("a delegated session's hand-out shows its chain and owner; an agent's own shows its name", () => {
    const [, delegated, own] = formatAuditEvents([
      { ...base, chain: ['ses_child0123456789ab', 'ses_parent0123456789a', 'lead', 'owner'], owner: 'alice' },
      { ...base, seq: 2, chain: ['ses_parent0123456789a', 'lead', 'owner'] },
    ]);
    expect(delegated).toContain('ses_child0123456789ab ← ses_parent0123456789a ← lead ← owner');
    expect(delegated).toContain('owner alice');
    expect(own).toMatch(/\sok\s+lead\s/);
  });

  it("R5: a hand-out from the agent's own client names that client in the chain", () => {
    const [, line] = formatAuditEvents([{ ...base, reason: 'agent-client', chain: ['lead', 'own-client:bot-client', 'owner'] }]);
    expect(line).toContain('lead ← own-client:bot-client ← owner');
  });
});
