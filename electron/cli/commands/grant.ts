import { MAX_TOKEN_LIFETIME_SECONDS, type Grant, type GrantMode, type GrantRevocation } from '../../../shared/agents.js';
import type { CreateGrantInput, UpdateGrantInput } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, trailingSlashTwin } from '../../../shared/url.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { formatCompactDuration, formatTimeSpan, parseTimeSpec, requireDuration, resolveTime, type TimeSpec } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, getStrings, JSON_OPTION, requirePositional, type OptionSpec, type RawArgs } from '../spec.js';
import { formatTime } from '../table.js';
import { UsageError } from '../usage-error.js';
import { ACCOUNT_OPTION, parseAccount } from '../account-option.js';
import { connectionKey } from '../../wallet/connections/accounts.js';
import { lookupAgentNames } from './agent.js';

const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = MAX_TOKEN_LIFETIME_SECONDS * 1000;

const GRANT_OPTIONS = {
  scope: { type: 'string', multiple: true, valueName: 'S', description: 'A scope the agent may receive (repeatable, or space-separated).' },
  ttl: {
    type: 'string',
    valueName: 'DURATION',
    description:
      `Longest a token handed to the agent may live at the server, e.g. 5m (at most ${formatCompactDuration(MAX_TTL_MS)}), or as-issued (the default): ` +
      'tokens live as the server issues them. Enforced: if the server\'s tokens live longer, the agent is refused (token.lifetime_exceeds_grant).',
  },
  expires: { type: 'string', valueName: 'WHEN', description: 'When the grant ends: a duration from now (8h, 7d) or an ISO time. Default: never.' },
  ask: { type: 'boolean', description: 'Ask you to approve each token request instead of allowing it.' },
} satisfies Record<string, OptionSpec>;

/** --scope may be repeated and each value may hold several space-separated scopes. */
function parseScopes(raw: RawArgs): string[] {
  return [...new Set(getStrings(raw.values, 'scope').flatMap((s) => s.split(/\s+/u)).filter((s) => s !== ''))];
}

/** --ttl as seconds; null for `as-issued` (tokens live as the server issues them). */
function parseTtlSeconds(raw: RawArgs): number | null | undefined {
  const text = getString(raw.values, 'ttl');
  if (text === undefined) return undefined;
  if (AS_ISSUED.has(text.trim().toLowerCase())) return null;
  return Math.round(requireDuration(text, 'ttl', { minMs: MIN_TTL_MS, maxMs: MAX_TTL_MS }) / 1000);
}

const AS_ISSUED = new Set(['as-issued', 'issued']);

/** "as issued (10m)" or "at most 5m each", with a warning when the server's tokens live longer than the grant allows. */
export function describeTokenLifetime(grant: Grant, serverLifetimeSeconds: number | undefined): string {
  const server = serverLifetimeSeconds === undefined ? undefined : formatCompactDuration(serverLifetimeSeconds * 1000);
  if (grant.maxTokenLifetimeSeconds === undefined) return server === undefined ? 'as issued by the server' : `as issued (${server})`;
  const max = `at most ${formatCompactDuration(grant.maxTokenLifetimeSeconds * 1000)} each`;
  if (serverLifetimeSeconds === undefined || serverLifetimeSeconds <= grant.maxTokenLifetimeSeconds) return server === undefined ? max : `${max} (the server issues ${server})`;
  return `${max}  [! the server issues ${server}: this agent is refused]`;
}

function parseExpiry(raw: RawArgs): TimeSpec | undefined {
  const text = getString(raw.values, 'expires');
  return text === undefined ? undefined : parseTimeSpec(text, 'expires');
}

function resolveExpiry(spec: TimeSpec, now: number): number {
  const at = resolveTime(spec, now, 'from-now');
  if (at <= now) throw new UsageError(`--expires ${formatTime(at)} is in the past.`, 'Give a later time, or a duration from now such as --expires 7d.');
  return at;
}

function describeExpiry(grant: Grant, now: number): string {
  if (grant.expiresAt === undefined) return 'never';
  if (grant.expiresAt <= now) return `expired ${formatTime(grant.expiresAt)}`;
  return `in ${formatTimeSpan(grant.expiresAt - now)} (${formatTime(grant.expiresAt)})`;
}

const NARROWING: Record<Grant['narrowing'], string> = {
  ok: 'ok: tokens are narrowed to these scopes',
  unknown: 'not tried yet',
  unsupported: 'UNSUPPORTED',
};

/** A grant as an indented block; narrowing: unsupported is flagged in its first line too. */
export function formatGrant(grant: Grant, agentName: (id: string) => string, now: number, serverLifetimeSeconds?: number): string[] {
  const unsupported = grant.narrowing === 'unsupported';
  const lines = [
    `${inert(grant.id)}  [${grant.mode === 'ask' ? 'ask each time' : 'allow'}]${unsupported ? '  [! narrowing: unsupported]' : ''}`,
    `  agent:      ${agentName(grant.agentId)}`,
    `  server:     ${inert(grant.resource)}`,
    ...(grant.account === undefined ? [] : [`  account:    ${inert(grant.account)}`]),
    `  scopes:     ${grant.scopes.length === 0 ? '(none)' : grant.scopes.map(inert).join(' ')}`,
    `  tokens:     ${describeTokenLifetime(grant, serverLifetimeSeconds)}`,
    `  expires:    ${describeExpiry(grant, now)}`,
    `  narrowing:  ${NARROWING[grant.narrowing]}`,
    `  last used:  ${grant.lastUsedAt === undefined ? 'never' : `${formatTimeSpan(now - grant.lastUsedAt)} ago`}`,
  ];
  if (unsupported) {
    lines.push(
      '  ! The authorization server will not issue a token narrowed to these scopes, so this agent is refused.',
      `  ! Widen the grant to the connection's scopes (latchkey grant edit ${inert(grant.id)} --scope ...) or revoke it.`,
    );
  }
  return lines;
}

// latchkey grant list

export interface GrantListArgs {
  agent?: string;
  json: boolean;
}

export async function runGrantList(wallet: Wallet, args: GrantListArgs, io: CliIo): Promise<number> {
  const grants = await wallet.listGrants(args.agent === undefined ? {} : { agent: args.agent });
  if (args.json) {
    writeInertJson(io, grants);
  } else if (grants.length === 0) {
    writeLine(io.stderr, 'No grants. Give an agent a server with: latchkey grant add <agent> <mcp-url> --scope S');
  } else {
    const agentName = await lookupAgentNames(wallet);
    const serverLifetime = await lookupServerLifetimes(wallet);
    const blocks = grants.map((grant) => formatGrant(grant, agentName, io.now(), serverLifetime(grant)).join('\n'));
    writeLine(io.stdout, blocks.join('\n\n'));
  }
  return EXIT_OK;
}

// latchkey grant add

export interface GrantAddArgs {
  agent: string;
  resource: string;
  /** --account: which of the owner's accounts on the server (T8); absent: its default or only one, pinned. */
  account?: string;
  scopes: string[];
  /** Absent: as the server issues them. */
  ttlSeconds?: number;
  expires?: TimeSpec;
  mode: GrantMode;
}

export function parseGrantAddArgs(raw: RawArgs): GrantAddArgs {
  const agent = requirePositional(raw, 0, 'the agent name or id');
  const resource = requirePositional(raw, 1, 'the MCP server URL');
  const scopes = parseScopes(raw);
  if (scopes.length === 0) {
    throw new UsageError('grant add needs at least one --scope.', `For example: latchkey grant add ${inert(agent)} ${inert(resource)} --scope files:read`);
  }
  const ttlSeconds = parseTtlSeconds(raw);
  const expires = parseExpiry(raw);
  const account = parseAccount(raw);
  return {
    agent,
    resource,
    ...(account === undefined ? {} : { account }),
    scopes,
    mode: getFlag(raw.values, 'ask') ? 'ask' : 'allow',
    ...(ttlSeconds === undefined || ttlSeconds === null ? {} : { ttlSeconds }),
    ...(expires === undefined ? {} : { expires }),
  };
}

async function printGrant(wallet: Wallet, io: CliIo, headline: string, grant: Grant): Promise<void> {
  writeLine(io.stdout, headline);
  const agentName = await lookupAgentNames(wallet);
  const serverLifetime = await lookupServerLifetimes(wallet);
  for (const line of formatGrant(grant, agentName, io.now(), serverLifetime(grant))) writeLine(io.stdout, line);
}

/** How long each connected server's tokens live as issued (from its last token), by resource and account. */
async function lookupServerLifetimes(wallet: Wallet): Promise<(grant: Pick<Grant, 'resource' | 'account'>) => number | undefined> {
  const connections = await wallet.listConnections();
  const lifetimes = new Map(connections.map((c) => [connectionKey(c), c.tokenLifetimeSeconds]));
  return (grant) => lifetimes.get(connectionKey(grant));
}

/**
 * A grant for a server Latchkey is not connected to could never hand out a token: refused, with
 * the connected server that differs only by a trailing slash when there is one. A URL that does
 * not parse is left to the wallet, which says what is wrong with it.
 */
async function assertConnected(wallet: Wallet, input: string, account: string | undefined, agent: string): Promise<void> {
  let resource: string;
  try {
    resource = canonicalResource(new URL(input), { allowInsecureLoopback: true });
  } catch {
    return;
  }
  // R5: an agent with a client of its own for the server needs no owner connection there.
  if (account === undefined && (await wallet.listAgentClients({ agent })).some((client) => client.resource === resource)) return;
  const connections = await wallet.listConnections();
  const connected = connections.map((connection) => connection.resource);
  if (account !== undefined && connected.includes(resource)) {
    if (connections.some((c) => c.resource === resource && c.account === account)) return;
    throw new LatchkeyError(ErrorCode.NotConnected, `Latchkey is not connected to ${inert(resource)} as account "${account}", so a grant for it could not hand out a token.`, {
      hint: `Connect that account first: latchkey connect ${inert(resource)} --account ${account}`,
      details: { resource, account },
    });
  }
  if (connected.includes(resource)) return;
  const twin = trailingSlashTwin(resource, connected);
  throw new LatchkeyError(ErrorCode.NotConnected, `Latchkey is not connected to ${inert(resource)}, so a grant for it could not hand out a token.`, {
    hint:
      twin === undefined
        ? `Connect first: latchkey connect ${inert(resource)}`
        : `Did you mean ${inert(twin)} (connected)? Otherwise connect first: latchkey connect ${inert(resource)}`,
    details: { resource },
  });
}

export async function runGrantAdd(wallet: Wallet, args: GrantAddArgs, io: CliIo): Promise<number> {
  const input: CreateGrantInput = {
    agent: args.agent,
    resource: args.resource,
    ...(args.account === undefined ? {} : { account: args.account }),
    scopes: args.scopes,
    mode: args.mode,
    ...(args.ttlSeconds === undefined ? {} : { maxTokenLifetimeSeconds: args.ttlSeconds }),
    ...(args.expires === undefined ? {} : { expiresAt: resolveExpiry(args.expires, io.now()) }),
  };
  await assertConnected(wallet, args.resource, args.account, args.agent);
  const grant = await wallet.createGrant(input);
  await printGrant(wallet, io, 'Granted:', grant);
  return EXIT_OK;
}

// latchkey grant edit

export interface GrantEditArgs {
  id: string;
  scopes?: string[];
  /** null: as the server issues them. */
  ttlSeconds?: number | null;
  /** null: no expiry. */
  expires?: TimeSpec | null;
  mode?: GrantMode;
}

export function parseGrantEditArgs(raw: RawArgs): GrantEditArgs {
  const id = requirePositional(raw, 0, 'the grant id');
  const scopes = parseScopes(raw);
  const ttlSeconds = parseTtlSeconds(raw);
  const expires = parseExpiry(raw);
  const noExpiry = getFlag(raw.values, 'no-expiry');
  const ask = getFlag(raw.values, 'ask');
  const allow = getFlag(raw.values, 'allow');
  if (expires !== undefined && noExpiry) throw new UsageError('--expires and --no-expiry contradict each other.', 'Give one of them.');
  if (ask && allow) throw new UsageError('--ask and --allow contradict each other.', 'Give one of them.');
  const args: GrantEditArgs = {
    id,
    ...(scopes.length === 0 ? {} : { scopes }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(noExpiry ? { expires: null } : expires === undefined ? {} : { expires }),
    ...(ask ? { mode: 'ask' as const } : allow ? { mode: 'allow' as const } : {}),
  };
  if (Object.keys(args).length === 1) {
    throw new UsageError('grant edit needs something to change.', 'Give --scope, --ttl, --expires, --no-expiry, --ask or --allow.');
  }
  return args;
}

export async function runGrantEdit(wallet: Wallet, args: GrantEditArgs, io: CliIo): Promise<number> {
  const input: UpdateGrantInput = {
    id: args.id,
    ...(args.scopes === undefined ? {} : { scopes: args.scopes }),
    ...(args.ttlSeconds === undefined ? {} : { maxTokenLifetimeSeconds: args.ttlSeconds }),
    ...(args.expires === undefined ? {} : { expiresAt: args.expires === null ? null : resolveExpiry(args.expires, io.now()) }),
    ...(args.mode === undefined ? {} : { mode: args.mode }),
  };
  const grant = await wallet.updateGrant(input);
  await printGrant(wallet, io, 'Updated:', grant);
  return EXIT_OK;
}

// latchkey grant revoke

/** What became of the tokens already handed out: revoked at the server, or valid there until when (T38). */
export function describeRevocation(result: GrantRevocation): string {
  const tokens = (n: number): string => (n === 1 ? '1 token' : `${n} tokens`);
  if (result.unrevokedTokens > 0) {
    const why = result.revocationError === undefined ? '' : ` (${inert(result.revocationError)})`;
    const until = result.validUntil === undefined ? 'until they expire' : `until ${formatTime(result.validUntil)}`;
    const revoked = result.revokedTokens > 0 ? ` ${tokens(result.revokedTokens)} revoked;` : '';
    return `The server could not revoke what it already issued${why}:${revoked} ${tokens(result.unrevokedTokens)} handed out ${result.unrevokedTokens === 1 ? 'stays' : 'stay'} valid at the server ${until}.`;
  }
  if (result.revokedTokens > 0) return `The ${tokens(result.revokedTokens)} already handed out ${result.revokedTokens === 1 ? 'was' : 'were'} revoked at the server.`;
  return 'No token handed out under it since the wallet started is still valid.';
}

export async function runGrantRevoke(wallet: Wallet, args: { id: string }, io: CliIo): Promise<number> {
  const result = await wallet.revokeGrant({ id: args.id });
  writeLine(io.stdout, `Revoked grant ${inert(args.id)}: its agent's next request under it is refused.`);
  writeLine(io.stdout, describeRevocation(result));
  return EXIT_OK;
}

export const grantListCommand = defineCommand(
  {
    path: ['grant', 'list'],
    usage: 'latchkey grant list [--agent A] [--json]',
    summary: 'List grants: which agent may get which tokens.',
    description:
      'Shows each grant\'s agent, server, scopes, token lifetime ("as issued (10m)": as the server issues them; "at most 5m": enforced), expiry and mode. ' +
      '"narrowing: unsupported" means the authorization ' +
      'server would not issue a token limited to the grant\'s scopes, so the agent is refused until you change the grant.',
    examples: ['latchkey grant list', 'latchkey grant list --agent ci-bot --json'],
    positionals: [],
    options: { agent: { type: 'string', valueName: 'A', description: 'Only the grants of this agent (name or id).' }, json: JSON_OPTION },
  },
  (raw): GrantListArgs => {
    const agent = getString(raw.values, 'agent');
    return { json: getFlag(raw.values, 'json'), ...(agent === undefined ? {} : { agent }) };
  },
  runGrantList,
);

export const grantAddCommand = defineCommand(
  {
    path: ['grant', 'add'],
    usage: 'latchkey grant add <agent> <mcp-url> [--account LABEL] --scope S ... [--ttl 15m | --ttl as-issued] [--expires 7d] [--ask]',
    summary: 'Let an agent get tokens for a connected server.',
    description:
      'The agent then receives access tokens for the server, narrowed to these scopes (never more than your connection holds), ' +
      'living as long as the server issues them, or at most --ttl: a server whose tokens live longer gets the agent refused, never a token ' +
      'reported shorter than it is. --expires ends the grant itself. With --ask you approve each request (latchkey approvals). ' +
      'With more than one of your accounts on the server, --account names whose tokens the agent gets (never another account\'s); ' +
      'without it the grant is for the server\'s default account, or its only one.',
    examples: [
      'latchkey grant add ci-bot https://mcp.example.com/mcp --scope files:read',
      'latchkey grant add ci-bot https://mcp.example.com/mcp --account work --scope files:read',
      'latchkey grant add claude-code https://mcp.example.com/mcp --scope "files:read files:write" --ttl 5m --expires 8h --ask',
    ],
    positionals: ['<agent>', '<mcp-url>'],
    options: { account: ACCOUNT_OPTION, ...GRANT_OPTIONS },
  },
  parseGrantAddArgs,
  runGrantAdd,
);

export const grantEditCommand = defineCommand(
  {
    path: ['grant', 'edit'],
    usage: 'latchkey grant edit <id> [--scope S ...] [--ttl DURATION | --ttl as-issued] [--expires WHEN | --no-expiry] [--ask | --allow]',
    summary: 'Change a grant\'s scopes, token lifetime, expiry or mode.',
    description: 'Only the options you give change. --scope replaces the grant\'s scopes. The change applies to the agent\'s next request.',
    examples: ['latchkey grant edit grt_Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJ --scope files:read --ttl 5m', 'latchkey grant edit grt_Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJ --no-expiry --allow'],
    positionals: ['<id>'],
    options: {
      ...GRANT_OPTIONS,
      scope: { ...GRANT_OPTIONS.scope, description: 'The new scopes (repeatable, or space-separated); replaces the old ones.' },
      expires: { ...GRANT_OPTIONS.expires, description: 'A new end: a duration from now (8h, 7d) or an ISO time.' },
      'no-expiry': { type: 'boolean', description: 'The grant never ends (until revoked).' },
      allow: { type: 'boolean', description: 'Allow requests without asking.' },
    },
  },
  parseGrantEditArgs,
  runGrantEdit,
);

export const grantRevokeCommand = defineCommand(
  {
    path: ['grant', 'revoke'],
    usage: 'latchkey grant revoke <id>',
    summary: 'Revoke a grant.',
    description:
      'The agent\'s next request under this grant is refused, and running `latchkey mcp` proxies stop within a second. Tokens already handed out ' +
      'are revoked at the server (RFC 7009) where it can; where it cannot (JWT access tokens, often), this says until when they stay valid there.',
    examples: ['latchkey grant revoke grt_Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJ'],
    positionals: ['<id>'],
    options: {},
  },
  (raw) => ({ id: requirePositional(raw, 0, 'the grant id') }),
  runGrantRevoke,
);
