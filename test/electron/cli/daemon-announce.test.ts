import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import { announce } from '../../../electron/cli/daemon-announce.js';
import { openMemoryWallet, type MemoryWallet } from '../../support/memory-wallet.js';

const RESOURCE = 'https://mcp.example.com/mcp';
let memory: MemoryWallet;

/** The real wallet in memory, connected to RESOURCE; its approvals are raised by a real agent's bridge request. */
beforeAll(async () => {
  memory = await openMemoryWallet();
  await memory.connect(RESOURCE);
});
afterAll(async () => {
  await memory?.close();
});

const lines = (approval: Approval): string[] => {
  const out: string[] = [];
  announce(approval, (line) => out.push(line));
  return out;
};

describe('latchkey daemon announces what needs the owner', () => {
  it('E3/E8: a page to open names server, agent, site and warnings, as inert text', async () => {
    await memory.enrol('pager');
    await memory.wallet.createGrant({ agent: 'pager', resource: RESOURCE, scopes: ['mcp:read'] });
    const { approval } = await memory.askToOpen('pager', { server: RESOURCE, url: 'https://xn--pple-43d.com/login', message: 'Sign in \u202egnp.exe' });
    const out = lines(approval);
    expect(out[0]).toBe(`Approval needed [${approval.id}]: mcp.example.com asks you to open a page for pager.`);
    expect(out[1]).toBe('  site: xn--pple-43d.com');
    expect(out.join('\n')).toMatch(/punycode/);
    expect(out.join('\n')).toContain('Sign in \\u{202e}gnp.exe');
    expect(out.at(-1)).toContain(`latchkey deny ${approval.id}`);
  });

  it('a consent names the agent, the server and the scopes', async () => {
    const { approval } = await memory.ask('ci-bot', { resource: RESOURCE, scopes: ['mcp:read'] });
    const out = lines(approval);
    expect(out[0]).toMatch(/ci-bot asks for access to mcp\.example\.com\.$/);
    expect(out[1]).toBe('  Scopes: mcp:read');
  });
});
