/**
 * The bridge's token exchange checked without zod, for the one caller that must not load it: an
 * agent's `latchkey token`, a process spawned per token where zod's start-up alone costs more than
 * the rest of the run. Each check accepts exactly what its schema in bridge.ts accepts and returns
 * what that schema's parse returns (test/shared/bridge-checks.test.ts holds them to it); every
 * other caller keeps using the schemas.
 */
import { normalizeAccountLabel } from './account-label.js';
import type { BridgeDiscovery, Problem, RejectedToken, TokenRequest, TokenResponse } from './bridge.js';

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

/** bridge.ts SafeText: printable ASCII, 1 to `max` characters (T14). */
export function isSafeText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max && /^[\x20-\x7e]*$/.test(value);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isOptional<T>(value: unknown, check: (value: unknown) => value is T): value is T | undefined {
  return value === undefined || check(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function onlyKeys(fields: Fields, keys: readonly string[]): boolean {
  return Object.keys(fields).every((key) => keys.includes(key));
}

/** Adds the optional fields that are present. */
function withOptional<T extends object>(base: T, fields: Fields, keys: readonly string[]): T {
  const out: Fields = { ...(base as Fields) };
  for (const key of keys) if (fields[key] !== undefined) out[key] = fields[key];
  return out as T;
}

/** TokenResponse.safeParse, without zod: the answer, or undefined. */
export function checkTokenResponse(value: unknown): TokenResponse | undefined {
  const f = fieldsOf(value);
  if (f === undefined) return undefined;
  const { access_token, token_type, expires_at, scope } = f;
  if (!isString(access_token) || (token_type !== 'Bearer' && token_type !== 'DPoP') || !isInt(expires_at) || !isString(scope)) return undefined;
  return { access_token, token_type, expires_at, scope };
}

/** Problem.safeParse, without zod. */
export function checkProblem(value: unknown): Problem | undefined {
  const f = fieldsOf(value);
  if (f === undefined) return undefined;
  const { type, title, status, code } = f;
  if (!isString(type) || !isString(title) || !isInt(status) || !isString(code)) return undefined;
  if (!isOptional(f['detail'], isString) || !isOptional(f['retry_after'], isFiniteNumber) || !isOptional(f['approval_id'], isString)) return undefined;
  return withOptional<Problem>({ type, title, status, code }, f, ['detail', 'retry_after', 'approval_id']);
}

/** BridgeDiscovery.safeParse, without zod. */
export function checkBridgeDiscovery(value: unknown): BridgeDiscovery | undefined {
  const f = fieldsOf(value);
  if (f === undefined) return undefined;
  const { version, pid, url, startedAt } = f;
  if (version !== 1 || !isInt(pid) || !isString(url) || !isFiniteNumber(startedAt) || !isOptional(f['socket'], isString)) return undefined;
  const timeout = f['approvalTimeoutMs'];
  if (timeout !== undefined && !(isInt(timeout) && timeout > 0 && timeout <= 86_400_000)) return undefined;
  return withOptional<BridgeDiscovery>({ version, pid, url, startedAt }, f, ['socket', 'approvalTimeoutMs']);
}

function checkRejected(value: unknown): RejectedToken | undefined {
  const f = fieldsOf(value);
  if (f === undefined || f['status'] !== 401 || !onlyKeys(f, ['status', 'token_fingerprint', 'www_authenticate'])) return undefined;
  const fingerprint = f['token_fingerprint'];
  if (fingerprint !== undefined && !(isString(fingerprint) && /^sha256:[A-Za-z0-9_-]{12}$/.test(fingerprint))) return undefined;
  if (!isOptional(f['www_authenticate'], (v): v is string => isSafeText(v, 2048))) return undefined;
  return withOptional<RejectedToken>({ status: 401 }, f, ['token_fingerprint', 'www_authenticate']);
}

/** TokenRequest.safeParse, without zod: the request as the schema outputs it (the account case-folded), or undefined. */
export function checkTokenRequest(value: unknown): TokenRequest | undefined {
  const f = fieldsOf(value);
  if (f === undefined || !onlyKeys(f, ['resource', 'account', 'scopes', 'rejected'])) return undefined;
  const { resource, account, scopes, rejected } = f;
  if (!isSafeText(resource, 2048)) return undefined;
  const out: TokenRequest = { resource };
  if (account !== undefined) {
    const label = isString(account) ? normalizeAccountLabel(account) : undefined;
    if (label === undefined) return undefined;
    out.account = label;
  }
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length > 32 || !scopes.every((scope) => isSafeText(scope, 128))) return undefined;
    out.scopes = [...(scopes as string[])];
  }
  if (rejected !== undefined) {
    const checked = checkRejected(rejected);
    if (checked === undefined) return undefined;
    out.rejected = checked;
  }
  return out;
}
