/**
 * What the owner must see before a URL is opened (threat T21): the site it really goes to and the
 * tricks that disguise it — userinfo before an @, punycode, IP literals, plain http.
 * Without a public-suffix list the site is approximated: the last two labels of the host, three
 * under a short second level in a country domain (example.co.uk).
 */

export interface UrlFacts {
  /** The host, lower-case, as the browser will reach it (punycode stays punycode). */
  host: string;
  /** The registrable domain, approximately: what to trust or not. */
  site: string;
  warnings: string[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function siteOf(host: string): string {
  if (IPV4.test(host) || host.startsWith('[')) return host;
  const labels = host.replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  const take = tld.length === 2 && second.length <= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** The facts about a URL, or undefined when it does not parse. */
export function urlFacts(raw: string): UrlFacts | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  const warnings: string[] = [];
  if (url.protocol !== 'https:') warnings.push(`Not encrypted: this address uses ${url.protocol.replace(':', '')}, not https.`);
  if (url.username !== '' || url.password !== '') warnings.push(`The part before “@” is not the site: this goes to ${host}.`);
  if (IPV4.test(host) || host.startsWith('[')) warnings.push('The address is a bare IP number, not a name.');
  if (host.split('.').some((label) => label.startsWith('xn--'))) warnings.push('The name uses international characters (punycode) that can imitate another site.');
  return { host, site: siteOf(host), warnings };
}
