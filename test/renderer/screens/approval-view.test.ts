/** What the approval cards say (protocol.md E3, threats T21/E8): titles, the always-allow rule, added scopes. */
import { describe, expect, it } from 'vitest';
import { approvalTitle, hostOf, markAddedScopes, rememberableSite, titleText } from '../../../renderer/screens/approvals/approval-view.js';
import { sampleApproval } from '../../fakes/fake-wallet.js';

const SERVER = 'https://mcp.example.com/mcp';

describe('approval cards: titles', () => {
  it('name who asks and what, for every kind', () => {
    const title = (overrides: Parameters<typeof sampleApproval>[0]) => titleText(approvalTitle(sampleApproval(overrides)));
    expect(title({ kind: 'consent' })).toBe('ci-bot asks for a token');
    expect(title({ kind: 'enrolment' })).toBe('ci-bot asks to enrol as a new agent');
    expect(title({ kind: 'step-up' })).toBe('ci-bot asks for more scopes');
    expect(title({ kind: 'url-elicitation', url: 'https://pay.test/x' })).toBe('ci-bot asks you to open a page');
    expect(title({ kind: 'elicitation-retry', url: 'https://accounts.pay.test/x?y=1' })).toBe(
      "ci-bot's request to mcp.example.com waits for you to finish on pay.test",
    );
  });

  it('keeps agent and server values apart from the wording (shown as isolated inert text)', () => {
    const parts = approvalTitle(sampleApproval({ kind: 'elicitation-retry', agentName: 'x\u202eyz', url: 'https://pay.test/' }));
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
