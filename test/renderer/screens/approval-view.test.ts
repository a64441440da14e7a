/** What the approval cards say (protocol.md E3, threats T21/E8): titles, the always-allow rule, added scopes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, ApprovalKind } from '../../../shared/agents.js';
import { approvalTitle, hostOf, markAddedScopes, rememberableSite, titleText } from '../../../renderer/screens/approvals/approval-view.js';
import { openMemoryWallet, type MemoryWallet } from '../../support/memory-wallet.js';

const SERVER = 'https://mcp.example.com/mcp';

/** One approval of each kind, raised for real on the wallet in memory by agents' bridge requests. */
let memory: MemoryWallet;
const raised = new Map<ApprovalKind, Approval>();
beforeAll(async () => {
  memory = await openMemoryWallet();
  await memory.connect(SERVER);
  raised.set('consent', (await memory.ask('ci-bot', { resource: SERVER, scopes: ['mcp:read'] })).approval);
  await memory.enrol('granted');
  await memory.wallet.createGrant({ agent: 'granted', resource: SERVER, scopes: ['mcp:read'] });
  raised.set('step-up', (await memory.ask('granted', { resource: SERVER, scopes: ['mcp:read', 'files:write'] })).approval);
  raised.set('url-elicitation', (await memory.askToOpen('granted', { server: SERVER, url: 'https://pay.test/x', message: 'Pay.' })).approval);
  raised.set('elicitation-retry', (await memory.askToOpen('granted', { server: SERVER, url: 'https://accounts.pay.test/x?y=1', message: 'Done?', stage: 'wait' })).approval);
  const enrolment = new Promise<Approval>((resolve) => {
    const off = memory.composed.approvals.on('raised', (approval) => {
      off();
      resolve(approval);
    });
  });
  memory.composed.bridge.enrol({ name: 'new-tool' }, new AbortController().signal, { key: 'test:new-tool' }).catch(() => undefined);
  raised.set('enrolment', await enrolment);
});
afterAll(async () => {
  await memory?.close();
});

describe('approval cards: titles', () => {
  it('name who asks and what, for every kind', () => {
    const title = (kind: ApprovalKind) => titleText(approvalTitle(raised.get(kind)!));
    expect(title('consent')).toBe('ci-bot asks for a token');
    expect(title('enrolment')).toBe('new-tool asks to enrol as a new agent');
    expect(title('step-up')).toBe('granted asks for more scopes');
    expect(title('url-elicitation')).toBe('granted asks you to open a page');
    expect(title('elicitation-retry')).toBe("granted's request to mcp.example.com waits for you to finish on pay.test");
  });

  it('keeps agent and server values apart from the wording (shown as isolated inert text)', () => {
    // A name the bridge would refuse (printable ASCII only), on a real approval, to show it stays a value.
    const parts = approvalTitle({ ...raised.get('elicitation-retry')!, agentName: 'x\u202eyz' });
    expect(parts[0]).toEqual({ value: 'x\u202eyz' });
    expect(parts.filter((part) => typeof part !== 'string')).toHaveLength(3);
  });

  it('hostOf: the host with its port; the string itself when it does not parse', () => {
    expect(hostOf('http://127.0.0.1:4000/mcp')).toBe('127.0.0.1:4000');
    expect(hostOf('not a url')).toBe('not a url');
    expect(hostOf(undefined)).toBe('an unknown server');
  });
});

describe('approval cards: "Always allow pages on <site> from this server" (E3, T21)', () => {
  it('is offered for a plain https page, on the server\'s site or another', () => {
    expect(rememberableSite('https://auth.example.com/login', SERVER)).toBe('example.com');
    expect(rememberableSite('https://checkout.stripe.com/pay/cs_1', SERVER)).toBe('stripe.com');
  });

  it('E8: never for http, userinfo, IP literals, punycode or look-alikes', () => {
    for (const url of [
      'http://pay.test/',
      'https://example.com@evil.test/',
      'https://1.2.3.4/',
      'http://1.2.3.4/',
      'https://xn--exmple-cua.com/',
      'https://accounts.example.com.evil.test/',
    ]) {
      expect(rememberableSite(url, SERVER), url).toBeUndefined();
    }
  });

  it('never without a server to tie it to, or for an address that does not parse', () => {
    expect(rememberableSite('https://pay.test/', undefined)).toBeUndefined();
    expect(rememberableSite('::nonsense', SERVER)).toBeUndefined();
    expect(rememberableSite(undefined, SERVER)).toBeUndefined();
  });
});

describe('approval cards: step-up scopes', () => {
  it('marks the requested scopes the connection does not hold yet', () => {
    expect(markAddedScopes(['files:read'], ['files:read', 'files:write'])).toEqual([
      { scope: 'files:read', added: false },
      { scope: 'files:write', added: true },
    ]);
    expect(markAddedScopes(undefined, ['a'])).toEqual([{ scope: 'a', added: true }]);
    expect(markAddedScopes(['a'], undefined)).toEqual([]);
  });
});
