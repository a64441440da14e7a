/**
 * Grants as code: the policy file (`latchkey policy export`, `diff`, `apply`) and the changes a
 * plan makes. The file names agents, their grants and the sites servers may open without asking;
 * it has no field for a secret, a token or a hash (an unknown field is refused), and it is written
 * in one stable order and layout so a change in git is the lines that changed (T41).
 */
import { z } from 'zod';
import { AgentKind, AgentName, DELEGATION_CHILDREN_CAP, DELEGATION_DEPTH_CAP, GrantMode, MAX_TOKEN_LIFETIME_SECONDS } from './agents.js';
import { AccountLabel } from './connections.js';
import { ErrorCode, LatchkeyError } from './errors.js';

export const POLICY_VERSION = 1;

const MIN_TTL_SECONDS = 60;
const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const;
const TTL_PATTERN = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/u;

/** "15m", "1h", "1m30s" as seconds; undefined for anything else. */
export function parsePolicyTtl(text: string): number | undefined {
  const match = TTL_PATTERN.exec(text);
  if (match === null || text === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * UNIT_SECONDS.h + Number(m) * UNIT_SECONDS.m + Number(s) * UNIT_SECONDS.s;
}

/** Seconds as the file writes them: "1h", "15m", "1m30s". */
export function formatPolicyTtl(seconds: number): string {
  let rest = Math.round(seconds);
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text === '' ? '0s' : text;
}

const Ttl = z.string().refine(
  (text) => {
    const seconds = parsePolicyTtl(text);
    return seconds !== undefined && seconds >= MIN_TTL_SECONDS && seconds <= MAX_TOKEN_LIFETIME_SECONDS;
  },
  { message: `a duration from 1m to ${formatPolicyTtl(MAX_TOKEN_LIFETIME_SECONDS)} such as 15m or 1h30m (leave it out: tokens live as the server issues them)` },
);

const Expires = z.iso.datetime({ offset: true, message: 'an ISO 8601 time such as 2027-01-31T12:00:00.000Z' });

export const PolicyGrant = z
  .object({
    /** The MCP server URL (canonical when exported). */
    server: z.string().min(1).max(2048),
    /** Which of the owner's accounts on that server; absent: its default account. */
    account: AccountLabel.optional(),
    scopes: z.array(z.string().min(1).max(128)).max(64),
    /** The longest a token handed out under the grant may live; absent: as the server issues them. */
    ttl: Ttl.optional(),
    /** When the grant ends; absent: until revoked. */
    expires: Expires.optional(),
    mode: GrantMode.default('allow'),
  })
  .strict();
export type PolicyGrant = z.infer<typeof PolicyGrant>;

const DELEGATION_TTL_MAX_SECONDS = 86_400;

/**
 * How far the agent's sessions may delegate to sub-agents (T40): levels below a `latchkey run`
 * session (0: none), live delegated sessions per session, and a child's longest lifetime (absent:
 * its parent's remaining one). Absent: the defaults (3 levels, 8 children).
 */
export const PolicyDelegation = z
  .object({
    maxDepth: z.number().int().min(0).max(DELEGATION_DEPTH_CAP),
    maxChildren: z.number().int().min(1).max(DELEGATION_CHILDREN_CAP),
    maxTtl: z
      .string()
      .refine(
        (text) => {
          const seconds = parsePolicyTtl(text);
          return seconds !== undefined && seconds >= MIN_TTL_SECONDS && seconds <= DELEGATION_TTL_MAX_SECONDS;
        },
        { message: 'a duration from 1m to 24h such as 30m (leave it out: a sub-agent lives as long as its parent)' },
      )
      .optional(),
  })
  .strict();
export type PolicyDelegation = z.infer<typeof PolicyDelegation>;

export const PolicyAgent = z
  .object({
    name: AgentName,
    kind: AgentKind.default('interactive'),
    delegation: PolicyDelegation.optional(),
    grants: z.array(PolicyGrant).max(256).default([]),
  })
  .strict();
export type PolicyAgent = z.infer<typeof PolicyAgent>;

const SITE_PATTERN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/iu;

/** A server and a site (a registrable domain such as example.com) whose pages it may open without asking. */
export const PolicySite = z
  .object({ server: z.string().min(1).max(2048), site: z.string().regex(SITE_PATTERN, 'a registrable domain such as example.com') })
  .strict();
export type PolicySite = z.infer<typeof PolicySite>;

/** A grant's key within its agent: one grant per server and account. */
export function policyGrantKey(grant: Pick<PolicyGrant, 'server' | 'account'>): string {
  return `${grant.server} ${grant.account ?? ''}`;
}

export const PolicyFile = z
  .object({
    version: z.literal(POLICY_VERSION),
    agents: z.array(PolicyAgent).max(1000).default([]),
    allowedSites: z.array(PolicySite).max(1000).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.agents.forEach((agent, index) => {
      if (names.has(agent.name)) ctx.addIssue({ code: 'custom', path: ['agents', index, 'name'], message: `agent "${agent.name}" is listed twice` });
      names.add(agent.name);
      const keys = new Set<string>();
      agent.grants.forEach((grant, g) => {
        const key = policyGrantKey(grant);
        if (keys.has(key)) ctx.addIssue({ code: 'custom', path: ['agents', index, 'grants', g], message: 'a second grant for the same server and account' });
        keys.add(key);
      });
    });
    const sites = new Set<string>();
    file.allowedSites.forEach((entry, index) => {
      const key = `${entry.server} ${entry.site}`;
      if (sites.has(key)) ctx.addIssue({ code: 'custom', path: ['allowedSites', index], message: 'this site is listed twice for its server' });
      sites.add(key);
    });
  });
export type PolicyFile = z.infer<typeof PolicyFile>;

/** `agents[0].grants[1].scopes`: where in the file an issue is. */
export function policyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text === '' ? '(the file)' : text;
}

/** Reads a policy file's text: not JSON names its line, a wrong field names its path. */
export function parsePolicyText(text: string): PolicyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError(ErrorCode.PolicyInvalid, `The policy file is not valid JSON: ${detail.slice(0, 200)}.`, {
      hint: 'Write it as `latchkey policy export` does (JSON, no comments, no trailing commas).',
    });
  }
  const parsed = PolicyFile.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${policyPath(issue.path)}: ${issue.message}`);
  throw new LatchkeyError(ErrorCode.PolicyInvalid, `The policy file is not valid: ${issues.join('; ')}.`, {
    hint: `Fix it, or start again from \`latchkey policy export\` (version ${POLICY_VERSION}).`,
    details: { path: policyPath(parsed.error.issues[0]?.path ?? []) },
  });
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The file in its one order: agents by name, grants by server then account, scopes and sites sorted. */
export function sortPolicy(file: PolicyFile): PolicyFile {
  const grant = (g: PolicyGrant): PolicyGrant => ({
    server: g.server,
    ...(g.account === undefined ? {} : { account: g.account }),
    scopes: [...new Set(g.scopes)].sort(byText),
    ...(g.ttl === undefined ? {} : { ttl: g.ttl }),
    ...(g.expires === undefined ? {} : { expires: g.expires }),
    mode: g.mode,
  });
  const delegation = (d: PolicyDelegation): PolicyDelegation => ({ maxDepth: d.maxDepth, maxChildren: d.maxChildren, ...(d.maxTtl === undefined ? {} : { maxTtl: d.maxTtl }) });
  return {
    version: POLICY_VERSION,
    agents: [...file.agents]
      .sort((a, b) => byText(a.name, b.name))
      .map((agent) => ({
        name: agent.name,
        kind: agent.kind,
        ...(agent.delegation === undefined ? {} : { delegation: delegation(agent.delegation) }),
        grants: agent.grants.map(grant).sort((a, b) => byText(policyGrantKey(a), policyGrantKey(b))),
      })),
    allowedSites: [...file.allowedSites].sort((a, b) => byText(a.server, b.server) || byText(a.site, b.site)).map((entry) => ({ server: entry.server, site: entry.site })),
  };
}

/** Controls, format characters (bidi overrides, zero-width), line separators and lone surrogates. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * The file's text: sorted, two-space JSON, one trailing newline; the same wallet always writes
 * the same bytes. A character that could make a reviewer read something other than what is there
 * (a bidi override in a scope) is written as a \uXXXX escape, which parses back to the same value.
 */
export function formatPolicy(file: PolicyFile): string {
  const text = JSON.stringify(sortPolicy(file), null, 2).replace(UNSAFE, (char) =>
    char === '\n' ? char : [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
  return `${text}\n`;
}

const Change = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.object({ kind: z.literal(kind), agent: AgentName, ...shape, widens: z.boolean() });

/**
 * One change a plan makes. `widens`: after it, an agent may get more than before (a new grant,
 * a scope, a longer token, a later or no end, allow instead of ask, a new site, deeper, wider or
 * longer delegation).
 */
export const PolicyChange = z.discriminatedUnion('kind', [
  Change('agent.add', { agentKind: AgentKind }),
  /** `grants`: how many grants go with it. */
  Change('agent.remove', { grants: z.number().int().nonnegative() }),
  /** The agent's delegation limits (T40); absent on a side: the defaults there. */
  Change('agent.delegation', { from: PolicyDelegation.optional(), to: PolicyDelegation.optional() }),
  Change('grant.add', { grant: PolicyGrant }),
  Change('grant.remove', { grant: PolicyGrant }),
  Change('grant.change', { from: PolicyGrant, to: PolicyGrant }),
  z.object({ kind: z.literal('site.add'), server: z.string(), site: z.string(), widens: z.boolean() }),
  z.object({ kind: z.literal('site.remove'), server: z.string(), site: z.string(), widens: z.boolean() }),
]);
export type PolicyChange = z.infer<typeof PolicyChange>;

/** What applying a file would do: its changes in the order they run, and their digest to confirm exactly them. */
export const PolicyPlan = z.object({
  changes: z.array(PolicyChange).max(10_000),
  /** sha256 of the changes: `applyPolicy` refuses when the wallet's plan is no longer the one confirmed. */
  digest: z.string().regex(/^[0-9a-f]{64}$/u),
});
export type PolicyPlan = z.infer<typeof PolicyPlan>;
