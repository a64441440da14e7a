/**
 * What an approval card says, worked out without React (so the rules are testable in Node): its
 * accessible title, the host of the server that asks, which scopes a step-up adds, and whether a
 * page's site may be offered for "always allow".
 */
import type { Approval } from '../../../shared/agents.js';
import { isRememberable, urlFacts } from '../../../shared/url-facts.js';

/** The host of a server URL as the owner knows it; the string itself when it does not parse. */
export function hostOf(server: string | undefined): string {
  if (server === undefined) return 'an unknown server';
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/** The registrable domain a page goes to, or undefined when the URL does not parse. */
export function siteOfPage(url: string | undefined, server?: string): string | undefined {
  return url === undefined ? undefined : urlFacts(url, { server })?.site;
}

/**
 * The site "Always allow pages on <site> from this server" may name: only for a page whose one
 * possible warning is that it is on another site than the server's (never http, userinfo, IP
 * literals, punycode or look-alikes: those always ask).
 */
export function rememberableSite(url: string | undefined, server: string | undefined): string | undefined {
  if (url === undefined || server === undefined) return undefined;
  const facts = urlFacts(url, { server });
  if (facts === undefined) return undefined;
  return isRememberable(facts) ? facts.site : undefined;
}

/** A step-up's requested scopes, each marked when the connection does not hold it yet. */
export function markAddedScopes(current: readonly string[] | undefined, requested: readonly string[] | undefined): Array<{ scope: string; added: boolean }> {
  const held = new Set(current ?? []);
  return (requested ?? []).map((scope) => ({ scope, added: !held.has(scope) }));
}

/** A piece of a heading: fixed wording, or a value from an agent or server (shown isolated, as inert text). */
export type TitlePart = string | { value: string; ltr?: boolean };

/** The card's heading (also its accessible name): who asks, and for what. */
export function approvalTitle(approval: Approval): TitlePart[] {
  const who = { value: approval.agentName };
  switch (approval.kind) {
    case 'consent':
      return [who, ' asks for a token'];
    case 'enrolment':
      return [who, ' asks to enrol as a new agent'];
    case 'step-up':
      return [who, ' asks for more scopes'];
    case 'url-elicitation':
      return [who, ' asks you to open a page'];
    case 'elicitation-retry':
      return [
        who,
        "'s request to ",
        { value: hostOf(approval.resource), ltr: true },
        ' waits for you to finish on ',
        { value: siteOfPage(approval.url) ?? 'a page', ltr: true },
      ];
  }
}

/** The heading as plain text. */
export function titleText(parts: readonly TitlePart[]): string {
  return parts.map((part) => (typeof part === 'string' ? part : part.value)).join('');
}
