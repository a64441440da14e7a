/**
 * The policy file (T41): strict (no field for a secret), errors that name where in the file, and
 * one stable order and layout so a change in git is the lines that changed.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { formatPolicy, formatPolicyTtl, parsePolicyText, parsePolicyTtl, type PolicyFile } from '../../shared/policy.js';

const SERVER = 'https://mcp.example.com/mcp';

function refusal(text: string): LatchkeyError {
  try {
    parsePolicyText(text);
  } catch (error) {
    if (error instanceof LatchkeyError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('policy file', () => {
  it('fills defaults: kind interactive, mode allow, no grants, no sites', () => {
    const file = parsePolicyText(JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', grants: [{ server: SERVER, scopes: ['a'] }] }] }));
    expect(file).toEqual({ version: 1, agents: [{ name: 'ci-bot', kind: 'interactive', grants: [{ server: SERVER, scopes: ['a'], mode: 'allow' }] }], allowedSites: [] });
  });

  it('T41: a field the format does not have (a secret, a token) refuses the whole file and names where it is', () => {
    const error = refusal(JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', secret: 'lk_agent_x', grants: [] }] }));
    expect(error.code).toBe(ErrorCode.PolicyInvalid);
    expect(error.message).toContain('agents[0]');
    expect(error.message).toContain('secret');
    const grantToken = refusal(JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', grants: [{ server: SERVER, scopes: [], accessToken: 'x' }] }] }));
    expect(grantToken.message).toContain('agents[0].grants[0]');
  });

  it.each([
    ['a bad ttl', { version: 1, agents: [{ name: 'a', grants: [{ server: SERVER, scopes: [], ttl: '2h' }] }] }, 'agents[0].grants[0].ttl'],
    ['a bad expiry', { version: 1, agents: [{ name: 'a', grants: [{ server: SERVER, scopes: [], expires: 'tomorrow' }] }] }, 'agents[0].grants[0].expires'],
    ['a bad agent name', { version: 1, agents: [{ name: '-x' }] }, 'agents[0].name'],
    ['an agent twice', { version: 1, agents: [{ name: 'a' }, { name: 'a' }] }, 'agents[1].name'],
    ['a grant twice', { version: 1, agents: [{ name: 'a', grants: [{ server: SERVER, scopes: [] }, { server: SERVER, scopes: ['b'] }] }] }, 'agents[0].grants[1]'],
    ['a site that is not a domain', { version: 1, allowedSites: [{ server: SERVER, site: 'com' }] }, 'allowedSites[0].site'],
    ['another version', { version: 2 }, 'version'],
  ])('%s is refused with its path', (_name, file, path) => {
    const error = refusal(JSON.stringify(file));
    expect(error.code).toBe(ErrorCode.PolicyInvalid);
    expect(error.message).toContain(`${path}:`);
  });

  it('text that is not JSON says so, with where it broke (a missing comma, a trailing one)', () => {
    expect(refusal('{\n  "version": 1,\n  "agents": [],\n}').message).toMatch(/not valid JSON: .*line 4/u);
    const error = refusal('{\n  "version": 1\n  "agents": []\n}');
    expect(error.code).toBe(ErrorCode.PolicyInvalid);
    expect(error.message).toMatch(/not valid JSON: .*line 3/u);
  });

  it('T41: a bidi override or a control in a scope is written as an escape a reviewer sees, and reads back the same', () => {
    const scope = 'read\u202Eetirw\u0007';
    const text = formatPolicy({ version: 1, agents: [{ name: 'a', kind: 'interactive', grants: [{ server: SERVER, scopes: [scope], mode: 'allow' }] }], allowedSites: [] });
    expect(text).toContain('"read\\u202eetirw\\u0007"');
    expect(text).not.toMatch(/[\u202e\u0007]/u);
    expect(parsePolicyText(text).agents[0]!.grants[0]!.scopes).toEqual([scope]);
  });

  it('ttl durations round-trip between seconds and text', () => {
    for (const seconds of [60, 90, 900, 3600, 3661]) expect(parsePolicyTtl(formatPolicyTtl(seconds))).toBe(seconds);
    expect(formatPolicyTtl(5400)).toBe('1h30m');
    expect(parsePolicyTtl('15x')).toBeUndefined();
    expect(parsePolicyTtl('')).toBeUndefined();
  });

  it('T41: the same content in any order writes the same bytes: sorted, two spaces, one trailing newline', () => {
    const a: PolicyFile = {
      version: 1,
      agents: [
        { name: 'zed', kind: 'interactive', grants: [] },
        { name: 'ci-bot', kind: 'autonomous', grants: [{ server: 'https://b.example/mcp', scopes: ['w', 'r'], mode: 'ask' }, { server: 'https://a.example/mcp', scopes: ['r'], ttl: '15m', mode: 'allow' }] },
      ],
      allowedSites: [{ server: SERVER, site: 'pay.example' }, { server: SERVER, site: 'example.org' }],
    };
    const b: PolicyFile = { ...a, agents: [...a.agents].reverse().map((agent) => ({ ...agent, grants: [...agent.grants].reverse() })), allowedSites: [...a.allowedSites].reverse() };
    const text = formatPolicy(a);
    expect(formatPolicy(b)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parsePolicyText(text)).toEqual(JSON.parse(text));
    const parsed = JSON.parse(text) as PolicyFile;
    expect(parsed.agents.map((agent) => agent.name)).toEqual(['ci-bot', 'zed']);
    expect(parsed.agents[0]!.grants.map((grant) => grant.server)).toEqual(['https://a.example/mcp', 'https://b.example/mcp']);
    expect(parsed.agents[0]!.grants[1]!.scopes).toEqual(['r', 'w']);
    expect(parsed.allowedSites.map((entry) => entry.site)).toEqual(['example.org', 'pay.example']);
    expect(Object.keys(parsed.agents[0]!.grants[0]!)).toEqual(['server', 'scopes', 'ttl', 'mode']);
  });
});
