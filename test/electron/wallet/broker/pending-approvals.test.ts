import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { pendingApprovalsFor } from '../../../../electron/wallet/broker/pending-approvals.js';
import { FAKE_AGENT } from '../../../fakes/fake-bridge-handler.js';

const base = { createdAt: 1_000, expiresAt: 121_000, status: 'pending' as const };

describe('pendingApprovalsFor', () => {
  it("lists the caller's own pending approvals only: never another agent's, an enrolment, a page's URL or the server's message", () => {
    const approvals: Approval[] = [
      { ...base, id: 'apr_own', kind: 'consent', agentId: FAKE_AGENT.id, agentName: FAKE_AGENT.name, resource: 'https://a.example/mcp', scopes: ['read'] },
      { ...base, id: 'apr_other', kind: 'consent', agentId: 'agt_OTHER', agentName: 'other', resource: 'https://a.example/mcp' },
      { ...base, id: 'apr_enrol', kind: 'enrolment', agentName: FAKE_AGENT.name },
      { ...base, id: 'apr_page', kind: 'url-elicitation', agentId: FAKE_AGENT.id, agentName: FAKE_AGENT.name, resource: 'https://a.example/mcp', url: 'https://a.example/secret-page', message: 'for the owner' },
      { ...base, id: 'apr_done', kind: 'consent', agentId: FAKE_AGENT.id, agentName: FAKE_AGENT.name, status: 'approved' },
    ];
    const { approvals: listed } = pendingApprovalsFor({ agent: FAKE_AGENT }, approvals);
    expect(listed.map((a) => a.id)).toEqual(['apr_own', 'apr_page']);
    expect(listed[0]).toEqual({ id: 'apr_own', kind: 'consent', agent_name: FAKE_AGENT.name, resource: 'https://a.example/mcp', scopes: ['read'], expires_at: 121 });
    expect(JSON.stringify(listed)).not.toContain('secret-page');
    expect(JSON.stringify(listed)).not.toContain('for the owner');
  });
});
