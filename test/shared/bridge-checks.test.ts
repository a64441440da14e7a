/**
 * The zod-free checks of the token exchange (shared/bridge-checks.ts) against the schemas they
 * stand in for: on every sample each accepts what its schema accepts and returns what its parse
 * returns. So is the account label rule the CLI checks `--account` with.
 */
import { describe, expect, it } from 'vitest';
import { normalizeAccountLabel } from '../../shared/account-label.js';
import { BridgeDiscovery, Problem, TokenRequest, TokenResponse } from '../../shared/bridge.js';
import { checkBridgeDiscovery, checkProblem, checkTokenRequest, checkTokenResponse } from '../../shared/bridge-checks.js';
import { AccountLabel } from '../../shared/connections.js';

interface Schema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false };
}

/** The check agrees with the schema on `value`: both refuse it, or both accept it as the same output. */
function expectSame(check: (value: unknown) => unknown, schema: Schema, value: unknown): void {
  const parsed = schema.safeParse(value);
  const checked = check(value);
  if (parsed.success) expect(checked, JSON.stringify(value)).toEqual(parsed.data);
  else expect(checked, JSON.stringify(value)).toBeUndefined();
}

const NOT_OBJECTS = [null, undefined, 'text', 42, true, [], [{}]];
const token = { access_token: 'at-1', token_type: 'Bearer', expires_at: 1_700_000_000, scope: 'files:read files:write' };
const problem = { type: 'about:blank', title: 'Denied', status: 403, code: 'grant.denied' };
const discovery = { version: 1, pid: 4242, url: 'http://127.0.0.1:41234', startedAt: 1_700_000_000_123 };
const LONG = 'x'.repeat(2049);

describe('checkTokenResponse is TokenResponse.safeParse without zod', () => {
  it.each([
    token,
    { ...token, token_type: 'DPoP' },
    { ...token, refresh_token: 'never printed', extra: 1 },
    { ...token, token_type: 'bearer' },
    { ...token, expires_at: 1.5 },
    { ...token, expires_at: 2 ** 60 },
    { ...token, expires_at: '1700000000' },
    { ...token, scope: undefined },
    { ...token, access_token: 7 },
    ...NOT_OBJECTS,
  ])('%j', (value) => expectSame(checkTokenResponse, TokenResponse, value));
});

describe('checkProblem is Problem.safeParse without zod', () => {
  it.each([
    problem,
    { ...problem, detail: 'No grant.', retry_after: 2.5, approval_id: 'ap_1' },
    { ...problem, detail: undefined, other: true },
    { ...problem, status: '403' },
    { ...problem, status: 403.5 },
    { ...problem, retry_after: '2' },
    { ...problem, approval_id: 1 },
    { ...problem, code: undefined },
    ...NOT_OBJECTS,
  ])('%j', (value) => expectSame(checkProblem, Problem, value));
});

describe('checkBridgeDiscovery is BridgeDiscovery.safeParse without zod', () => {
  it.each([
    discovery,
    { ...discovery, socket: '/run/user/1000/latchkey/bridge.sock', approvalTimeoutMs: 120_000 },
    { ...discovery, approvalTimeoutMs: 86_400_000 },
    { ...discovery, approvalTimeoutMs: 86_400_001 },
    { ...discovery, approvalTimeoutMs: 0 },
    { ...discovery, approvalTimeoutMs: 1.5 },
    { ...discovery, version: 2 },
    { ...discovery, pid: '4242' },
    { ...discovery, socket: 3 },
    { ...discovery, startedAt: undefined },
    ...NOT_OBJECTS,
  ])('%j', (value) => expectSame(checkBridgeDiscovery, BridgeDiscovery, value));
});

describe('checkTokenRequest is TokenRequest.safeParse without zod', () => {
  const resource = 'https://mcp.example.com/mcp';
  it.each([
    { resource },
    { resource, account: 'Work' },
    { resource, account: 'WORK.eu_1-x' },
    { resource, account: 'me@example.com' },
    { resource, account: '' },
    { resource, account: 'a'.repeat(33) },
    { resource, account: 'A'.repeat(65) },
    { resource, scopes: ['files:read', 'files:write'] },
    { resource, scopes: [] },
    { resource, scopes: Array.from({ length: 33 }, (_, i) => `s${i}`) },
    { resource, scopes: ['x'.repeat(129)] },
    { resource, scopes: [''] },
    { resource, scopes: 'files:read' },
    { resource, rejected: { status: 401 } },
    { resource, rejected: { status: 401, token_fingerprint: 'sha256:abcdefABCDEF', www_authenticate: 'Bearer error="invalid_token"' } },
    { resource, rejected: { status: 401, token_fingerprint: 'sha256:short' } },
    { resource, rejected: { status: 403 } },
    { resource, rejected: { status: 401, extra: 1 } },
    { resource: '' },
    { resource: LONG },
    { resource: 'https://mcp.example.com/\u00e9' },
    { resource: 'https://mcp.example.com/\n' },
    { resource, extra: true },
    {},
    ...NOT_OBJECTS,
  ])('%j', (value) => expectSame(checkTokenRequest, TokenRequest, value));
});

describe('normalizeAccountLabel is AccountLabel.safeParse without zod', () => {
  it.each(['work', 'Work', 'PERSONAL', 'a', '0-tenant', 'x'.repeat(32), 'x'.repeat(33), 'A'.repeat(65), '', '-lead', 'me@example.com', 'ĸelvin', 'a b'])(
    '%j',
    (text) => expectSame((value) => normalizeAccountLabel(value as string), AccountLabel, text),
  );
});
