import { describe, expect, it } from 'vitest';
import { siteOf, urlFacts } from '../../../renderer/components/url-facts.js';

describe('url facts shown before a URL is opened', () => {
  it('E8: a look-alike subdomain shows the real site', () => {
    expect(urlFacts('https://accounts.example.com.evil.test/login')).toEqual({ host: 'accounts.example.com.evil.test', site: 'evil.test', warnings: [] });
  });

  it('E8: userinfo before @ is called out and the real host shown', () => {
    const facts = urlFacts('https://example.com@evil.test/');
    expect(facts?.site).toBe('evil.test');
    expect(facts?.warnings.join(' ')).toMatch(/before “@” is not the site: this goes to evil\.test/);
  });

  it('E8: punycode hosts are warned about', () => {
    expect(urlFacts('https://xn--pple-43d.com/')?.warnings.join(' ')).toMatch(/punycode/);
    expect(urlFacts('https://аpple.com/')?.host).toBe('xn--pple-43d.com');
  });

  it('E8: an IP literal over http gets both warnings', () => {
    const facts = urlFacts('http://1.2.3.4/');
    expect(facts?.site).toBe('1.2.3.4');
    expect(facts?.warnings).toHaveLength(2);
    expect(urlFacts('https://[::1]/')?.warnings.join(' ')).toMatch(/IP number/);
  });

  it('the site is the last two labels, three under a short second level of a country domain', () => {
    expect(siteOf('a.b.example.co.uk')).toBe('example.co.uk');
    expect(siteOf('mcp.example.com')).toBe('example.com');
    expect(siteOf('localhost')).toBe('localhost');
    expect(urlFacts('not a url')).toBeUndefined();
  });
});
