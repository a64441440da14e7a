/**
 * The one validated call every owner transport goes through (Electron IPC, the headless host, the
 * owner socket, the CLI's in-process wallet): the method must be in the contract, its params are
 * parsed with the contract's schema before the wallet sees them, and the result is parsed with
 * the contract's result schema, so only the fields the contract names leave the wallet. The audit
 * query's events, up to thousands a call, are checked by the zod-free check that stands for their
 * schema (shared/audit-event-check.ts, held to it by its test): zod's copy of a thousand events
 * allocates megabytes, enough to grow the daemon's young heap under a burst of queries.
 */
import { ConnectParams, OwnerMethods, ownerApiOf, type CallOptions, type ConnectControl, type OwnerApi, type OwnerMethodName } from '../../../shared/api.js';
import type { ConnectionSummary } from '../../../shared/connections.js';
import { readAuditEvents } from '../../../shared/audit-event-check.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Wallet } from '../wallet-api.js';

/** The contract's method of this name; NotFound for any other name. */
export function ownerMethodNamed(method: unknown): OwnerMethodName {
  if (typeof method !== 'string' || !Object.hasOwn(OwnerMethods, method)) {
    throw new LatchkeyError(ErrorCode.NotFound, `Unknown wallet method ${JSON.stringify(String(method).slice(0, 60))}.`);
  }
  return method as OwnerMethodName;
}

/** Results checked without zod: each check returns what the contract's result schema's parse would, or undefined where it would fail. */
const RESULT_CHECKS: Partial<Record<OwnerMethodName, (value: unknown) => unknown>> = { queryAudit: readAuditEvents };

/** Validates `rawParams` for `method`, calls it on the wallet, and returns its validated result. */
export async function callOwnerMethod(wallet: OwnerApi, method: unknown, rawParams: unknown, options?: CallOptions): Promise<unknown> {
  const name = ownerMethodNamed(method);
  const contract = OwnerMethods[name];
  const params = contract.params.safeParse(rawParams ?? {});
  if (!params.success) throw new LatchkeyError(ErrorCode.InvalidInput, `Invalid parameters for ${name}: ${describeIssue(params.error.issues[0])}`);
  const run = wallet[name] as (params: unknown, options?: CallOptions) => Promise<unknown>;
  const result = await run(params.data, options);
  // A result the check refuses goes to the schema, which throws as it does for every other method.
  return RESULT_CHECKS[name]?.(result) ?? contract.result.parse(result);
}

/** Validates a connect's params and runs it with the caller's control (progress, cancel). */
export async function callConnect(wallet: Pick<Wallet, 'connect'>, rawParams: unknown, control: ConnectControl = {}): Promise<ConnectionSummary> {
  return wallet.connect(parseConnectParams(rawParams), control);
}

export function parseConnectParams(rawParams: unknown): ConnectParams {
  const params = ConnectParams.safeParse(rawParams);
  if (!params.success) throw new LatchkeyError(ErrorCode.InvalidInput, `Invalid parameters for connect: ${describeIssue(params.error.issues[0])}`);
  return params.data;
}

/**
 * The wallet seen through the validated call: what an in-process caller (the CLI without a daemon,
 * tests) gets, so it is held to the same contract as a remote one.
 */
export function validatedWallet(wallet: Wallet): Wallet {
  return {
    ...ownerApiOf((method, params, options) => callOwnerMethod(wallet, method, params, options)),
    vaultStatus: wallet.vaultStatus,
    connect: (params, control) => callConnect(wallet, params, control),
    subscribe: (listener) => wallet.subscribe(listener),
    close: () => wallet.close(),
  };
}

/** Which field is wrong and why, without echoing the value. */
function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (issue === undefined) return 'not accepted.';
  const where = issue.path.length === 0 ? 'the body' : issue.path.map((part) => String(part).slice(0, 40)).join('.');
  return `${where}: ${issue.message.slice(0, 200)}`;
}
