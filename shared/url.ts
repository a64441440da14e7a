/**
 * URL helpers shared by every runtime. Pure: only the WHATWG `URL` global.
 */
import { ErrorCode, LatchkeyError } from './errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for hosts that can only ever mean this machine. `URL.hostname` keeps IPv6 brackets. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_HOSTS.has(host)) return true;
  // 127.0.0.0/8, as WHATWG URL has already normalised numeric forms to dotted quads.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface UrlPolicy {
  /** Allow http:// for loopback hosts (tests and local development only). */
  allowInsecureLoopback: boolean;
}

/**
 * Parses and checks a URL we are about to talk to: https, or http on loopback when allowed.
 * No userinfo, no fragment. Returns the parsed URL.
 */
export function parseSecureUrl(input: string, policy: UrlPolicy, what = 'URL'): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new LatchkeyError(ErrorCode.InvalidUrl, `The ${what} "${truncate(input)}" is not a valid absolute URL.`, {
      hint: 'Use a full URL such as https://mcp.example.com/mcp.',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new LatchkeyError(ErrorCode.InvalidUrl, `The ${what} must not contain a user name or password.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    if (policy.allowInsecureLoopback) return url;
    throw new LatchkeyError(ErrorCode.InsecureUrl, `The ${what} ${url.origin} uses plain http.`, {
      hint: 'Plain http is allowed only for loopback servers during development: pass --allow-insecure-loopback or set LATCHKEY_ALLOW_INSECURE_LOOPBACK=1.',
    });
  }
  throw new LatchkeyError(ErrorCode.InsecureUrl, `The ${what} ${url.protocol}//${url.host} is not https.`, {
    hint: 'Latchkey talks to remote servers over https only.',
  });
}

/**
 * The canonical resource identifier of an MCP server (RFC 8707, MCP authorization spec): the
 * URL as WHATWG `URL` normalises it (lower-case scheme and host, default port dropped, numeric
 * hosts as dotted quads), without its fragment. The root path is written without its slash
 * ("https://h"). Any other trailing slash is kept: "/mcp" and "/mcp/" may be different servers,
 * and a token is handed out only on an exact match (threat T07). A query is kept too.
 */
export function canonicalResource(input: string | URL, policy: UrlPolicy): string {
  const url = typeof input === 'string' ? parseSecureUrl(input, policy, 'MCP server URL') : new URL(input.href);
  url.hash = '';
  const origin = `${url.protocol}//${url.host}`;
  return url.pathname === '/' && url.search === '' ? origin : `${origin}${url.pathname}${url.search}`;
}

/**
 * The resource in `known` that differs from `resource` only by a trailing slash ("…/mcp" for
 * "…/mcp/"), for a "did you mean" — never matched silently: they may be different servers (T07).
 */
export function trailingSlashTwin(resource: string, known: readonly string[]): string | undefined {
  const bare = (r: string): string => (r.endsWith('/') ? r.slice(0, -1) : r);
  return known.find((candidate) => candidate !== resource && bare(candidate) === bare(resource));
}

export function truncate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
