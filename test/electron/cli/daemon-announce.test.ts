import { describe, expect, it } from 'vitest';
import { announce } from '../../../electron/cli/commands/daemon.js';
import { fakeId, sampleApproval } from '../../fakes/fake-wallet.js';

const lines = (approval: Parameters<typeof announce>[0]): string[] => {
  const out: string[] = [];
  announce(approval, (line) => out.push(line));
  return out;
};

describe('latchkey daemon announces what needs the owner', () => {
  it('E3/E8: a page to open names server, agent, site and warnings, as inert text', () => {
    const out = lines(
      sampleApproval({ id: fakeId('apr', 7), kind: 'url-elicitation', url: 'https://xn--pple-43d.com/login', message: 'Sign in\u001b[2J', scopes: undefined }),
    );
    expect(out[0]).toBe(`Approval needed [${fakeId('apr', 7)}]: mcp.example.com asks you to open a page for ci-bot.`);
    expect(out[1]).toBe('  site: xn--pple-43d.com');
    expect(out.join('\n')).toMatch(/punycode/);
    expect(out.join('\n')).toContain('Sign in\\x1b[2J');
    expect(out.at(-1)).toContain(`latchkey deny ${fakeId('apr', 7)}`);
  });

  it('a consent names the agent, the server and the scopes', () => {
    const out = lines(sampleApproval());
    expect(out[0]).toMatch(/ci-bot asks for access to mcp\.example\.com\.$/);
    expect(out[1]).toBe('  Scopes: files:read');
  });
});
