/**
 * A stand-in for the Latchkey bridge on 127.0.0.1, speaking its wire protocol (shared/bridge.ts):
 * bridge header and bearer secret checked, `POST /v1/token` and `GET /v1/whoami`, problem+json
 * errors. Agent-side tests (latchkey mcp, run, token, whoami) point the real bridge client at it
 * through LATCHKEY_BRIDGE_URL.
 *
 *   const bridge = await startFakeBridge({ secrets: ['lks_…'], token: async (req) => ({ … }) });
 *   env.LATCHKEY_BRIDGE_URL = bridge.url;
 *   bridge.tokenRequests   // every token request: secret used, resource, scopes
 */
import type { ServerResponse } from 'node:http';
import { BRIDGE_HEADER, BRIDGE_HEADER_VALUE, TokenRequest, type WhoamiResponse } from '../../shared/bridge.js';
import { sendJson, startHttpFixture, type HttpFixture } from './http-fixture.js';

export interface FakeProblem {
  problem: { status: number; code: string; detail?: string };
}

export interface FakeTokenRequest {
  secret: string;
  resource: string;
  scopes: string[] | undefined;
}

/** What the test's token handler returns: a body sent as is (200), or a problem. */
export type FakeTokenAnswer = Record<string, unknown> | FakeProblem;

export interface FakeBridgeOptions {
  /** Bearer secrets the bridge accepts. */
  secrets: readonly string[];
  token?: (request: FakeTokenRequest) => Promise<FakeTokenAnswer> | FakeTokenAnswer;
  whoami?: (secret: string) => WhoamiResponse;
}

export interface FakeBridge {
  /** http://127.0.0.1:<port>: the value for LATCHKEY_BRIDGE_URL. */
  readonly url: string;
  readonly tokenRequests: FakeTokenRequest[];
  readonly whoamiSecrets: string[];
  readonly fixture: HttpFixture;
  close(): Promise<void>;
}

export const FAKE_WHOAMI: WhoamiResponse = {
  agent: { id: 'agt_AAAAAAAAAAAAAAAAAAAA', name: 'test-agent', kind: 'interactive' },
  session: { id: 'ses_BBBBBBBBBBBBBBBBBBBB', expires_at: 1_700_028_800 },
  grants: [{ resource: 'https://mcp.example.com/mcp', scopes: ['files:read'], mode: 'allow', max_token_lifetime_seconds: 900 }],
};

function sendProblem(res: ServerResponse, status: number, code: string, detail?: string): void {
  const body = { type: `https://latchkey.dev/problems/${code}`, title: code, status, code, ...(detail === undefined ? {} : { detail }) };
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(body));
}

export async function startFakeBridge(options: FakeBridgeOptions): Promise<FakeBridge> {
  const fixture = await startHttpFixture();
  const tokenRequests: FakeTokenRequest[] = [];
  const whoamiSecrets: string[] = [];
  const secrets = new Set(options.secrets);

  const authenticate = (headers: Record<string, string | string[] | undefined>, res: ServerResponse): string | undefined => {
    if (headers[BRIDGE_HEADER] !== BRIDGE_HEADER_VALUE) {
      sendProblem(res, 400, 'bridge.missing_header');
      return undefined;
    }
    const match = /^Bearer (.+)$/.exec(String(headers['authorization'] ?? ''));
    if (match?.[1] === undefined || !secrets.has(match[1])) {
      sendProblem(res, 401, 'bridge.unauthenticated', 'Unknown or expired secret.');
      return undefined;
    }
    return match[1];
  };

  fixture.route('/v1/token', async (request, res) => {
    const secret = authenticate(request.headers, res);
    if (secret === undefined) return;
    const parsed = TokenRequest.safeParse(JSON.parse(request.body || 'null'));
    if (!parsed.success) return sendProblem(res, 400, 'bridge.malformed_request');
    const tokenRequest = { secret, resource: parsed.data.resource, scopes: parsed.data.scopes };
    tokenRequests.push(tokenRequest);
    const answer = options.token === undefined ? { problem: { status: 403, code: 'grant.none' } } : await options.token(tokenRequest);
    if ('problem' in answer && typeof answer.problem === 'object') {
      const { status, code, detail } = (answer as FakeProblem).problem;
      return sendProblem(res, status, code, detail);
    }
    sendJson(res, 200, answer);
  });
  fixture.route('/v1/whoami', (request, res) => {
    const secret = authenticate(request.headers, res);
    if (secret === undefined) return;
    whoamiSecrets.push(secret);
    sendJson(res, 200, options.whoami?.(secret) ?? FAKE_WHOAMI);
  });

  return { url: fixture.origin, tokenRequests, whoamiSecrets, fixture, close: () => fixture.close() };
}
