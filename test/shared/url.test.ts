import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { canonicalResource, isLoopbackHost, parseSecureUrl } from '../../shared/url.js';

const strict = { allowInsecureLoopback: false };
const dev = { allowInsecureLoopback: true };

describe('canonicalResource (A5, T07)', () => {
  it.each([
    ['https://MCP.Example.com:443/mcp#frag', 'https://mcp.example.com/mcp'],
    ['https://mcp.example.com/', 'https://mcp.example.com'],
    ['https://mcp.example.com', 'https://mcp.example.com'],
    ['https://mcp.example.com/mcp/', 'https://mcp.example.com/mcp/'],
    ['https://mcp.example.com:8443/mcp', 'https://mcp.example.com:8443/mcp'],
    ['https://mcp.example.com/mcp?tenant=a', 'https://mcp.example.com/mcp?tenant=a'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalResource(input, strict)).toBe(expected);
  });

  it('O17: path-prefix, trailing-slash, port and scheme variants are different resources', () => {
    const base = canonicalResource('https://mcp.example.com/mcp', strict);
    for (const variant of ['https://mcp.example.com/mcp/', 'https://mcp.example.com/mc', 'https://mcp.example.com/mcp/x', 'https://mcp.example.com:444/mcp', 'https://mcp.example.com.evil.test/mcp']) {
      expect(canonicalResource(variant, strict)).not.toBe(base);
    }
  });
});

describe('parseSecureUrl (P4, T06)', () => {
  it('accepts https, refuses http for remote hosts always', () => {
    expect(parseSecureUrl('https://a.example/x', strict).href).toBe('https://a.example/x');
    expect(() => parseSecureUrl('http://a.example/x', dev)).toThrowError(expect.objectContaining({ code: ErrorCode.InsecureUrl }));
  });

  it('accepts http loopback only when insecure loopback is allowed', () => {
    expect(() => parseSecureUrl('http://127.0.0.1:3000/mcp', strict)).toThrowError(expect.objectContaining({ code: ErrorCode.InsecureUrl }));
    expect(parseSecureUrl('http://127.0.0.1:3000/mcp', dev).host).toBe('127.0.0.1:3000');
    expect(parseSecureUrl('http://localhost:3000/mcp', dev).host).toBe('localhost:3000');
  });

  it('refuses garbage, userinfo and other schemes with a code', () => {
    for (const bad of ['not a url', 'https://user:pw@a.example/', 'ftp://a.example/', 'javascript:alert(1)']) {
      expect(() => parseSecureUrl(bad, dev)).toThrowError(expect.objectContaining({ code: expect.stringMatching(/^url\./) }));
    }
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.8.9.10', '[::1]', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'example.com', '[::2]', 'localhost.evil.test'].some(isLoopbackHost)).toBe(false);
  });
});
