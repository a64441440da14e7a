/**
 * More than one account on a server (protocol.md T8): a connection is one (canonical resource,
 * account label) pair, with no label for the server's default account. This module says how a pair
 * is keyed in the vault document and which stored connection a request means: the named account,
 * else the default one, else the only one; several labelled accounts and none named is
 * connection.account_ambiguous listing the labels, never a guess.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

/** Which connection: a canonical resource and its account label (absent: the default account). A ConnectionRecord is one. */
export interface ConnectionRef {
  resource: string;
  account?: string | undefined;
}

/**
 * The vault document's key of a connection: the resource alone for the default account (as every
 * document before labels has it), `<resource> <label>` for a labelled one. A canonical URL never
 * holds a space, so no two pairs share a key.
 */
export function connectionKey(ref: ConnectionRef): string {
  return ref.account === undefined ? ref.resource : `${ref.resource} ${ref.account}`;
}

/** Whether `ref` names the same connection as `other`. */
export function sameConnection(ref: ConnectionRef, other: ConnectionRef): boolean {
  return ref.resource === other.resource && ref.account === other.account;
}

/** The account label for an audit entry or a log line; nothing for the default account. */
export function accountOf(ref: ConnectionRef): { account?: string } {
  return ref.account === undefined ? {} : { account: ref.account };
}

/** How a label reads in a sentence: `account "work"`, or `the default account`. */
export function describeAccount(account: string | undefined): string {
  return account === undefined ? 'the default account' : `account "${account}"`;
}

/** `--account work` for a command line, or nothing for the default account. */
export function accountFlag(account: string | undefined): string {
  return account === undefined ? '' : ` --account ${account}`;
}

/**
 * The connection a request for `resource` means among `connections` (all of that server's): the
 * named account exactly; with none named, the default account, else the only one. Undefined when
 * the named account (or any) is not connected; AccountAmbiguous when several labelled accounts are
 * and none is named or default.
 */
export function pickAccount<R extends ConnectionRef>(resource: string, account: string | undefined, connections: readonly R[]): R | undefined {
  const ofServer = connections.filter((connection) => connection.resource === resource);
  if (account !== undefined) return ofServer.find((connection) => connection.account === account);
  const fallback = ofServer.find((connection) => connection.account === undefined) ?? (ofServer.length === 1 ? ofServer[0] : undefined);
  if (fallback !== undefined || ofServer.length === 0) return fallback;
  throw accountAmbiguous(resource, ofServer.map((connection) => connection.account ?? ''));
}

/** A server with several accounts connected and a request that named none of them. */
export function accountAmbiguous(resource: string, labels: readonly string[]): LatchkeyError {
  const listed = [...labels].sort().join(', ');
  return new LatchkeyError(ErrorCode.AccountAmbiguous, `Latchkey is connected to ${resource} as more than one account (${listed}) and none was named.`, {
    hint: `Name one with --account, e.g. --account ${[...labels].sort()[0] ?? 'work'}.`,
    details: { resource, accounts: listed },
  });
}

/**
 * The account a new grant names: the one given, else the server's default or only connected
 * account, pinned, so a later connection never changes whose tokens the agent gets.
 * AccountAmbiguous when several labelled accounts are connected and none is named.
 */
export function grantAccount(resource: string, account: string | undefined, connections: readonly ConnectionRef[]): { account?: string } {
  return accountOf({ resource, account: account ?? pickAccount(resource, undefined, connections)?.account });
}
