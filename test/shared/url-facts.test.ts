import { describe, expect, it } from 'vitest';
import { siteOf, urlFacts } from '../../shared/url-facts.js';

const codes = (raw: string, server?: string): string[] => urlFacts(raw, server === undefined ? {} : { server })?.warnings.map((w) => w.code) ?? [];

describe('url facts shown before a URL is opened (T21)', () => {
  it('E8: a look-alike subdomain shows the real site and is called a look-alike of the server', () => {
    expect(urlFacts('https://accounts.example.com.evil.test/login')).toEqual({ host: 'accounts.example.com.evil.test', site: 'evil.test', warnings: [] });
    expect(codes('https://accounts.example.com.evil.test/login', 'https://mcp.example.com/mcp')).toEqual(['lookalike', 'other-site']);
    expect(urlFacts('https://accounts.example.com.evil.test/', { server: 'https://mcp.example.com/' })?.warnings[0]?.text).toBe(
      'This looks like example.com but belongs to evil.test.',
    );
  });

  it('E8: a name one or two edits from the server is a look-alike', () => {
    expect(codes('https://examp1e.com/', 'https://mcp.example.com/')).toEqual(['lookalike', 'other-site']);
    expect(codes('https://payments.stripe.com/', 'https://mcp.example.com/')).toEqual(['other-site']);
    expect(codes('https://auth.example.com/', 'https://mcp.example.com/')).toEqual([]);
  });

  it('E8: userinfo before @ is called out and the real host shown', () => {
    const facts = urlFacts('https://example.com@evil.test/');
    expect(facts?.site).toBe('evil.test');
    expect(facts?.warnings.map((w) => w.text).join(' ')).toMatch(/before “@” is not the site: this goes to evil\.test/);
  });

  it('E8: punycode hosts are warned about', () => {
    expect(codes('https://xn--pple-43d.com/')).toEqual(['punycode']);
    expect(urlFacts('https://аpple.com/')?.host).toBe('xn--pple-43d.com');
  });

  it('E8: an IP literal over http gets both warnings', () => {
    const facts = urlFacts('http://1.2.3.4/');
    expect(facts?.site).toBe('1.2.3.4');
    expect(facts?.warnings.map((w) => w.code)).toEqual(['insecure', 'ip-literal']);
    expect(codes('https://[::1]/')).toEqual(['ip-literal']);
  });

  it('the site is the registrable domain from the Public Suffix List', () => {
    expect(siteOf('a.b.example.co.uk')).toBe('example.co.uk');
    expect(siteOf('mcp.example.com')).toBe('example.com');
    expect(siteOf('alice.github.io')).toBe('alice.github.io');
    expect(siteOf('localhost')).toBe('localhost');
    expect(siteOf('127.0.0.1')).toBe('127.0.0.1');
    expect(urlFacts('not a url')).toBeUndefined();
  });
});
