/**
 * Authorization servers with the quirks real providers have, through the real CLI and Chromium:
 * metadata slower than the discovery budget, a provider that refuses any `resource` (Entra-style
 * invalid_target), and one that matches redirect URIs exactly, port included. Each connection, once
 * made, serves `latchkey token` and an agent (an MCP SDK v1 client) calling a tool through
 * `latchkey mcp` in a `latchkey run` session, with no second sign-in.
 */
import { createServer } from 'node:net';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { callTool, resultText } from '../../support/mcp-call.js';
import { startExactRedirectServer } from '../../world/exact-port-as.js';
import { startResourceRejectingServer } from '../../world/no-resource-as.js';
import { startSlowAuthorizationServer } from '../../world/slow-as.js';
import type { VariantPair } from '../../world/variant-pair.js';
import { toolText, useReachCli } from './reach-cli.js';

const METADATA_DELAY_MS = 60_000;
const reach = useReachCli();

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** `latchkey token` hands out a working token for the connection, and an agent's tool call through `latchkey mcp` gets its answer. */
async function expectWorkingConnection(pair: VariantPair, agentName: string): Promise<void> {
  const token = await reach.token(pair.url);
  expect(decodeJwt(token)).toMatchObject({ iss: pair.issuer, aud: pair.url });
  expect(resultText(await callTool(pair.url, token, 'echo', { text: 'quirk' }))).toContain('quirk');
  const opened = reach.world.opener.opened.length;
  const agent = await reach.startRunAgent(agentName, pair.url, ['mcp:read']);
  expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: `agent ${agentName}` } }))).toContain(`agent ${agentName}`);
  expect(reach.world.opener.opened).toHaveLength(opened); // no second sign-in
}

describe('authorization server quirks end to end', () => {
  it('metadata slower than the discovery budget: connect stops with discovery.timeout before the metadata comes; once fast it connects', async () => {
    // Far beyond the 15 s budget, so a loaded machine's slow process start cannot reach it.
    const slow = reach.track(await startSlowAuthorizationServer({ delayMs: METADATA_DELAY_MS }));
    const stuck = await reach.connect(slow.url);
    expect(stuck.result.code).not.toBe(0);
    expect(stuck.result.stderr).toContain('discovery.timeout');
    expect(stuck.ms).toBeLessThan(METADATA_DELAY_MS);
    console.info(`[reach] connect slow AS (metadata after ${METADATA_DELAY_MS} ms): gave up after ${stuck.ms} ms`);
    slow.settings.delayMs = 0;
    const connect = await reach.connect(slow.url);
    expect(connect.result.code, connect.result.stderr).toBe(0);
    console.info(`[reach] connect slow AS made fast: ${connect.ms} ms`);
    await expectWorkingConnection(slow, 'agent-slow-as');
  }, 120_000);

  it('an AS refusing any resource: connect reports invalid_target; --no-resource connects and the token is for the server', async () => {
    const entra = reach.track(await startResourceRejectingServer());
    const refused = await reach.connect(entra.url);
    expect(refused.result.code).not.toBe(0);
    expect(refused.result.stderr).toContain('invalid_target');
    expect(refused.result.stderr).toContain('--no-resource'); // the hint names the switch
    expect(entra.as.requests.some((request) => request.error === 'invalid_target')).toBe(true);
    const flow = reach.world.opener.nextFlow();
    const connect = await reach.connect(entra.url, ['--no-resource']);
    expect(connect.result.code, connect.result.stderr).toBe(0);
    console.info(`[reach] connect resource-refusing AS with --no-resource: ${connect.ms} ms`);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    expect(entra.as.requests.filter((request) => request.route === 'token' && request.status === 200).every((request) => request.resource === undefined)).toBe(true);
    await expectWorkingConnection(entra, 'agent-no-resource');
  }, 120_000);

  it('an AS matching redirect URIs exactly: a second sign-in reuses the port registered at DCR; --callback-port registers and uses a chosen port', async () => {
    const strict = reach.track(await startExactRedirectServer());
    for (const round of ['first', 'second']) {
      const connect = await reach.connect(strict.url);
      expect(connect.result.code, connect.result.stderr).toBe(0);
      console.info(`[reach] connect exact-redirect AS, port chosen by Latchkey (${round} sign-in): ${connect.ms} ms`);
    }
    const redirects = strict.as.requests.filter((request) => request.route === 'authorization' && request.redirectUri !== undefined);
    expect(redirects.length).toBeGreaterThanOrEqual(2);
    expect(new Set(redirects.map((request) => request.redirectUri)).size).toBe(1);
    expect(strict.as.requests.some((request) => request.status === 400)).toBe(false);

    const fixed = reach.track(await startExactRedirectServer());
    const port = await freePort();
    for (const round of ['first', 'second']) {
      const flow = reach.world.opener.nextFlow();
      const connect = await reach.connect(fixed.url, ['--callback-port', String(port)]);
      expect(connect.result.code, connect.result.stderr).toBe(0);
      console.info(`[reach] connect exact-redirect AS with --callback-port (${round} sign-in): ${connect.ms} ms`);
      expect((await flow).redirectedTo.port).toBe(String(port));
    }
    const authorizations = fixed.as.requests.filter((request) => request.route === 'authorization');
    expect(authorizations.every((request) => request.redirectUri === `http://127.0.0.1:${port}/callback`)).toBe(true);
    await expectWorkingConnection(fixed, 'agent-exact-port');
  }, 120_000);
});
