import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { MAX_TRAY_ENTRIES, trayMenuFor } from '../../../../electron/wallet/approvals/tray-menu.js';

const base = { agentId: 'agt_aaaaaaaaaaaaaaaaaaaa', agentName: 'shopper', createdAt: 1, expiresAt: 2, status: 'pending' } as const;
const page = (id: string, url: string): Approval => ({
  ...base,
  id,
  kind: 'url-elicitation',
  resource: 'https://mcp.example.com/mcp',
  url,
  message: 'Confirm the payment\nnow & here',
});

describe('the tray menu of pending approvals', () => {
  it('E9/E8: a page to open shows the site first, the warnings, the message on one line each, and Open page / Decline', () => {
    const [entry] = trayMenuFor([page('apr_aaaaaaaaaaaaaaaaaaaa', 'https://accounts.example.com.evil.test/login')]);
    expect(entry?.id).toBe('apr_aaaaaaaaaaaaaaaaaaaa');
    expect(entry?.label).toBe('mcp.example.com asks you to open a page for shopper');
    expect(entry?.details[0]).toBe('Site: evil.test');
    expect(entry?.details.join('\n')).toMatch(/looks like example\.com but belongs to evil\.test/);
    expect(entry?.details.every((line) => !line.includes('\n'))).toBe(true);
    expect(entry?.details.at(-1)).toContain('now && here');
    expect(entry?.actions.map((a) => [a.action, a.label])).toEqual([
      ['approve', 'Open page'],
      ['deny', 'Decline'],
    ]);
  });

  it('lists only pending approvals, at most MAX_TRAY_ENTRIES', () => {
    const many = Array.from({ length: 15 }, (_, i) => page(`apr_${String(i).padStart(20, 'a')}`, 'https://pay.example.net/'));
    const decided: Approval = { ...page('apr_decidedaaaaaaaaaaaaa', 'https://pay.example.net/'), status: 'denied' };
    expect(trayMenuFor([decided, ...many])).toHaveLength(MAX_TRAY_ENTRIES);
    expect(trayMenuFor([decided])).toEqual([]);
  });

  it('a step-up names the scopes new for the agent', () => {
    const [entry] = trayMenuFor([
      { ...base, id: 'apr_stepupaaaaaaaaaaaaaa', kind: 'step-up', resource: 'https://mcp.example.com/mcp', currentScopes: ['read'], scopes: ['read', 'write'] },
    ]);
    expect(entry?.details.join(' ')).toMatch(/New for it: write/);
    expect(entry?.actions.map((a) => a.action)).toEqual(['approve', 'deny']);
  });
});
