/**
 * Servers that answer without a token (protocol.md T9). `latchkey connect` records such a
 * connection as open: no authorization server is looked for, nothing is registered, nobody signs
 * in. The sign-in waits for the server's first 401 and asks for that challenge's scopes. Until
 * then there is no token to hand out (connection.no_sign_in_needed): requests go without one.
 * An agent's first 401 never starts a sign-in: the connection then needs the owner's, and the
 * challenge is kept for it.
 */
import type { ConnectOptions } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { BearerChallenge } from '../../../shared/www-authenticate.js';
import type { Clock, Logger } from '../../base/ports.js';
import type { ConnectionRecord } from '../oauth/records.js';
import { accountFlag, accountOf } from './accounts.js';
import type { ConnectionStore } from './connection-store.js';
import type { TokenAudit } from './connection-tokens.js';
import { channelFor } from './sign-in-channel.js';

export const OPEN_UNTIL_401 = 'open-until-401';

/** Whether the connection is open and has not been signed in yet. */
export function isOpen(record: ConnectionRecord | undefined): boolean {
  return record?.access === OPEN_UNTIL_401;
}

export interface OpenConnectionInput {
  resource: string;
  account?: string | undefined;
  serverUrl: string;
  now: number;
  /** The connection as stored before (open too), if any: its start and sign-in channel are kept. */
  previous: ConnectionRecord | undefined;
  /** The channel switches of this connect (--callback-port, --device, --paste, --no-resource) are kept for the later sign-in. */
  options: ConnectOptions;
}

/** The record of an open connection: no issuer, client, scopes or tokens until its first 401. */
export function openConnection(input: OpenConnectionInput): ConnectionRecord {
  const { previous, now } = input;
  const channel = channelFor(previous, input.options);
  return {
    resource: input.resource,
    ...(input.account === undefined ? {} : { account: input.account }),
    serverUrl: input.serverUrl,
    issuer: '',
    clientId: '',
    serverMetadata: {},
    scopes: [],
    deniedScopes: [],
    sendResource: channel.sendResource,
    ...(channel.callbackPort === undefined ? {} : { callbackPort: channel.callbackPort }),
    ...(channel.signIn === undefined ? {} : { signIn: channel.signIn }),
    access: OPEN_UNTIL_401,
    status: 'ok',
    connectedAt: previous?.connectedAt ?? now,
    updatedAt: now,
  };
}

/** Asked for a token of an open connection: there is none, and none is needed yet. */
export function noSignInNeeded(record: ConnectionRecord): LatchkeyError {
  return new LatchkeyError(
    ErrorCode.NoSignInNeeded,
    `${record.resource} has not asked for a sign-in: it answers without a token, so there is no token to hand out.`,
    {
      hint: `Send requests without Authorization; Latchkey signs in when the server first answers 401. To sign in now: latchkey connect ${record.serverUrl}${accountFlag(record.account)} --scope "<scopes>"`,
      details: { resource: record.resource, ...accountOf(record) },
    },
  );
}

/** The 401 an agent met on this connection while it was open, which the owner's sign-in answers. */
export function keptChallenge(record: ConnectionRecord | undefined): BearerChallenge | undefined {
  const kept = record?.firstChallenge;
  if (kept === undefined) return undefined;
  return { ...(kept.resourceMetadata === undefined ? {} : { resourceMetadata: kept.resourceMetadata }), ...(kept.scope === undefined ? {} : { scope: kept.scope }) };
}

function sameOrigin(url: string, serverUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(serverUrl).origin;
  } catch {
    return false;
  }
}

export interface AgentChallengeDeps {
  store: ConnectionStore;
  clock: Clock;
  logger: Logger;
  /** Where the owner hears of it (connection.sign_in_needed; the window reads its connections again); without it, only logged. */
  audit?: TokenAudit | undefined;
}

/**
 * An agent met the first 401 of an open connection: the connection now needs the owner's sign-in
 * (listed as needing one), with the challenge's resource metadata and scopes kept for it. The
 * agent gets NeedsReauth; it never starts a sign-in.
 */
export async function awaitOwnerSignIn(record: ConnectionRecord, challenge: BearerChallenge | undefined, deps: AgentChallengeDeps): Promise<never> {
  // The challenge comes through the agent: a metadata URL is kept only on the server's own origin.
  const metadata = challenge?.resourceMetadata;
  const kept = {
    ...(metadata === undefined || !sameOrigin(metadata, record.serverUrl) ? {} : { resourceMetadata: metadata }),
    ...(challenge?.scope === undefined || challenge.scope.length === 0 ? {} : { scope: challenge.scope }),
  };
  let marked = false;
  await deps.store.updateConnection(record, (current) => {
    if (!isOpen(current) || current.status !== 'ok') return current;
    marked = true;
    return { ...current, status: 'needs-reauth', firstChallenge: kept, updatedAt: deps.clock.now() };
  });
  if (marked) {
    await deps.audit?.record({ type: 'connection.sign_in_needed', resource: record.resource, ...accountOf(record), ...(kept.scope === undefined ? {} : { scopes: kept.scope }), outcome: 'ok', reason: 'first_401' });
  }
  deps.logger.warn(`${record.resource} now asks for a sign-in; the owner signs in`, { resource: record.resource, ...accountOf(record), scopes: (kept.scope ?? []).join(' ') });
  throw new LatchkeyError(ErrorCode.NeedsReauth, `${record.resource} now asks for a sign-in (it answered 401); the owner has not signed in yet.`, {
    hint: `The owner signs in: latchkey connect ${record.serverUrl}${accountFlag(record.account)}`,
    details: { resource: record.resource, ...accountOf(record) },
  });
}

/** Stores the connection as open (`latchkey connect` found the server answering without a token). */
export async function storeOpenConnection(input: OpenConnectionInput, era: string, deps: AgentChallengeDeps): Promise<ConnectionRecord> {
  const record = openConnection(input);
  await deps.store.putConnection(record);
  deps.logger.info('connected: the server answers without a token, no sign-in until it asks', { resource: record.resource, ...accountOf(record), era });
  return record;
}
