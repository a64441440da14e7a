/**
 * The broker's remembered canonical resources: the same answer as canonicalResource every time
 * (T07: matched exactly), the same refusal for a URL it refuses, and nothing kept across a change
 * of the policy.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError } from '../../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../../shared/url.js';
import { CanonicalResources } from '../../../../electron/wallet/broker/canonical-resources.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isLatchkeyError(error) ? error.code : 'not a LatchkeyError';
  }
}

describe('CanonicalResources', () => {
  it('T07: answers what canonicalResource answers, the first time and every time after', () => {
    const policy: UrlPolicy = { allowInsecureLoopback: false };
    const resources = new CanonicalResources(policy);
    for (const input of ['HTTPS://MCP.Example.com:443/mcp#frag', 'https://mcp.example.com/mcp/', 'https://mcp.example.com/', 'https://mcp.example.com/mcp?x=1']) {
      expect(resources.of(input), input).toBe(canonicalResource(input, policy));
      expect(resources.of(input), input).toBe(canonicalResource(input, policy));
    }
  });

  it('refuses a URL it refuses each time, and a change of the policy forgets what it knew', () => {
    const policy: UrlPolicy = { allowInsecureLoopback: true };
    const resources = new CanonicalResources(policy);
    expect(codeOf(() => resources.of('not a url'))).toBe(ErrorCode.InvalidUrl);
    expect(codeOf(() => resources.of('not a url'))).toBe(ErrorCode.InvalidUrl);
    expect(resources.of('http://127.0.0.1:9/mcp')).toBe('http://127.0.0.1:9/mcp');
    policy.allowInsecureLoopback = false;
    expect(codeOf(() => resources.of('http://127.0.0.1:9/mcp'))).toBe(ErrorCode.InsecureUrl);
  });

  it('with more URLs than it keeps, still answers each as canonicalResource does', () => {
    const resources = new CanonicalResources({ allowInsecureLoopback: false }, 2);
    for (let i = 0; i < 5; i += 1) expect(resources.of(`https://mcp${i}.example.com/mcp`)).toBe(`https://mcp${i}.example.com/mcp`);
    expect(resources.of('https://mcp0.example.com/mcp')).toBe('https://mcp0.example.com/mcp');
  });
});
