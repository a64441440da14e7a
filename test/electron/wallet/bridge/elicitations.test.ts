/** The bridge route POST /v1/elicitations: authenticated like /v1/token, strict body, action only back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_HEADER, ElicitationResponse, Problem } from '../../../../shared/bridge.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { goodHeaders, httpCall, startTestBridge, type TestBridge } from './support.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const BODY = JSON.stringify({ server: 'https://mcp.example/mcp', url: 'https://pay.example/checkout', message: 'Confirm the payment.' });

describe('bridge /v1/elicitations', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge();
  });
  afterAll(async () => {
    await bridge.close();
  });

  it('reaches the handler with a valid secret and answers only the action', async () => {
    const answer = await httpCall({ port: bridge.port }, { method: 'POST', path: '/v1/elicitations', headers: goodHeaders(JSON_HEADERS), body: BODY });
    expect(answer.status).toBe(200);
    expect(ElicitationResponse.parse(JSON.parse(answer.body))).toEqual({ action: 'decline' });
    expect(answer.body).not.toContain('pay.example');
    expect(bridge.handler.elicitCalls).toHaveLength(1);
  });

  it('T12: refuses a caller without a valid secret before the handler', async () => {
    const before = bridge.handler.elicitCalls.length;
    for (const headers of [{ [BRIDGE_HEADER]: '1', ...JSON_HEADERS }, { ...goodHeaders(JSON_HEADERS), authorization: 'Bearer wrong' }]) {
      const answer = await httpCall({ port: bridge.port }, { method: 'POST', path: '/v1/elicitations', headers, body: BODY });
      expect(answer.status).toBe(401);
      expect(Problem.parse(JSON.parse(answer.body)).code).toBe(ErrorCode.Unauthenticated);
    }
    expect(bridge.handler.elicitCalls).toHaveLength(before);
  });

  it('T14: refuses unknown fields and control characters in the message', async () => {
    const before = bridge.handler.elicitCalls.length;
    const bad = [
      JSON.stringify({ ...JSON.parse(BODY), extra: 1 }),
      JSON.stringify({ ...JSON.parse(BODY), message: 'line\u0007bell' }),
      JSON.stringify({ ...JSON.parse(BODY), url: 'https://pay.example/\u00e9' }),
    ];
    for (const body of bad) {
      const answer = await httpCall({ port: bridge.port }, { method: 'POST', path: '/v1/elicitations', headers: goodHeaders(JSON_HEADERS), body });
      expect(answer.status).toBe(400);
    }
    expect(bridge.handler.elicitCalls).toHaveLength(before);
  });
});
