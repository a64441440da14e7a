/**
 * What the owner must see before a server's URL is opened (protocol.md E3, threat T21): the site
 * it really goes to (the registrable domain, from the Public Suffix List via tldts) and the tricks
 * that disguise it. The same facts drive the tray notification, the window and the CLI, and the
 * wallet's rule for which URLs may open without asking (only ones with no warning at all).
 */
import { parse } from 'tldts';

export type UrlWarningCode = 'insecure' | 'userinfo' | 'ip-literal' | 'punycode' | 'lookalike' | 'other-site';

export interface UrlWarning {
  /** Stable: tests, audit reasons and the UI's styling key on it. */
  code: UrlWarningCode;
  /** One sentence for the owner. */
  text: string;
}

export interface UrlFacts {
  /** The host, lower-case, as the browser will reach it (punycode stays punycode). */
  host: string;
  /** The registrable domain ("example.co.uk", "alice.github.io"), or the host when it has none (IP literals, localhost). */
  site: string;
  warnings: UrlWarning[];
}

export interface UrlFactsContext {
  /** The MCP server that asks: its site is what the page is compared with. */
  server?: string | undefined;
}

/** The registrable domain of a host; the host itself for IP literals and single-label names. */
export function siteOf(host: string): string {
  const bare = host.toLowerCase().replace(/\.$/, '');
  const parsed = parse(bare, { allowPrivateDomains: true });
  if (parsed.isIp === true) return bare;
  return parsed.domain ?? bare;
}

/** The facts about a URL, or undefined when it does not parse. */
export function urlFacts(raw: string, context: UrlFactsContext = {}): UrlFacts | undefined {
  const url = tryUrl(raw);
  if (url === undefined) return undefined;
  const host = url.hostname.toLowerCase();
  const site = siteOf(host);
  const warnings: UrlWarning[] = [];
  const warn = (code: UrlWarningCode, text: string): void => {
    warnings.push({ code, text });
  };
  if (url.protocol !== 'https:') warn('insecure', `Not encrypted: this address uses ${url.protocol.replace(':', '')}, not https.`);
  if (url.username !== '' || url.password !== '') warn('userinfo', `The part before “@” is not the site: this goes to ${host}.`);
  if (isIpLiteral(host)) warn('ip-literal', 'The address is a bare IP number, not a name.');
  if (host.split('.').some((label) => label.startsWith('xn--'))) {
    warn('punycode', 'The name uses international characters (punycode) that can imitate another site.');
  }
  const serverHost = context.server === undefined ? undefined : tryUrl(context.server)?.hostname.toLowerCase();
  if (serverHost !== undefined) {
    const serverSite = siteOf(serverHost);
    if (serverSite !== site) {
      if (looksLike(host, site, serverSite)) warn('lookalike', `This looks like ${serverSite} but belongs to ${site}.`);
      warn('other-site', `This page is on ${site}, not on the server's own site ${serverSite}.`);
    }
  }
  return { host, site, warnings };
}

/**
 * Whether a page's site may be remembered ("always allow") and then open without asking: only
 * when its one possible warning is that it is on another site than the server's own. The wallet,
 * the window and the CLI all apply this one rule.
 */
export function isRememberable(facts: UrlFacts): boolean {
  return facts.warnings.every((warning) => warning.code === 'other-site');
}

function tryUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * A host that dresses up as the server's site: it carries the server's site (or its name part)
 * among its labels ("accounts.example.com.evil.test"), or its own name is one or two edits away
 * from the server's ("examp1e.com", "exarnple.com").
 */
function looksLike(host: string, site: string, serverSite: string): boolean {
  if (serverSite === '' || isIpLiteral(serverSite)) return false;
  const serverName = serverSite.split('.')[0] ?? serverSite;
  const labels = host.split('.');
  const ownLabels = labels.slice(0, Math.max(0, labels.length - site.split('.').length));
  if (ownLabels.join('.').includes(serverSite) || ownLabels.includes(serverName)) return true;
  const name = site.split('.')[0] ?? site;
  return serverName.length >= 4 && name !== serverName && editDistance(name, serverName) <= 2;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
