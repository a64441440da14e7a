/**
 * R7 end to end, through real processes: `latchkey daemon` owns the wallet; the owner names the
 * organisation's identity provider (the world's enterprise IdP), signs in there once in real
 * Chromium, and connects two MCP servers behind two authorization servers with
 * `latchkey connect --enterprise`: no browser, no consent page, each token one ID-JAG exchange at
 * the IdP and one JWT-bearer redemption at the server's authorization server. An agent then gets
 * a narrowed token through the bridge and calls a tool; once the connection's ID-JAG has expired
 * its next token comes from a fresh one, still without a browser. The IdP refusing a server says
 * which code and what to do.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionSummary } from '../../../shared/connections.js';
import type { EnterpriseStatus } from '../../../shared/api.js';
import type { TokenResponse } from '../../../shared/bridge.js';
import type { World } from '../../world/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../world/jwt-bearer-grant.js';
import { registerLatchkeyAt as registerLatchkeyAtWorld, startWorldTrustingIdp as startTrustingWorld } from '../../world/enterprise-world.js';
import { startEnterpriseIdp, TOKEN_EXCHANGE_GRANT, type EnterpriseIdp } from '../../world/enterprise-idp.js';
import { startCliDaemon, type CliDaemon } from '../../support/cli-daemon.js';
import { callTool, resultText } from '../../support/mcp-call.js';
import { CLI_MAIN as MAIN, runCli } from '../../support/run-cli.js';

let idp: EnterpriseIdp;
let worldA: World;
let worldB: World;
let setup: CliDaemon;
const secrets: string[] = [];

/** The administrator's step at one authorization server; its client secret is kept to check no log carries it. */
async function registerLatchkeyAt(world: World): Promise<{ clientId: string; clientSecret: string }> {
  const client = await registerLatchkeyAtWorld(idp, world);
  secrets.push(client.clientSecret);
  return client;
}

function startWorldTrustingIdp(accessTokenTtlSeconds: number): Promise<World> {
  return startTrustingWorld(idp, { accessTokenTtlSeconds });
}

beforeAll(async () => {
  idp = await startEnterpriseIdp({ idJagTtlSeconds: 3 });
  // A's tokens live 30 s, under the 60 s an owner's token must have left: each owner `token` is a fresh exchange and redemption.
  [worldA, worldB] = await Promise.all([startWorldTrustingIdp(30), startWorldTrustingIdp(300)]);
  setup = await startCliDaemon(worldA, { homePrefix: 'latchkey-enterprise-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await Promise.all([worldA?.close(), worldB?.close()]);
  await idp?.close();
});

describe('R7: enterprise-managed authorization, end to end', () => {
  it('R7: one sign-in at the IdP in the browser, then two servers connect with no browser; an agent calls a tool; an expired ID-JAG is replaced without a browser', async () => {
    const clientA = await registerLatchkeyAt(worldA);
    const clientB = await registerLatchkeyAt(worldB);
    for (const [world, client] of [[worldA, clientA], [worldB, clientB]] as const) {
      // `--client-id=…`: a generated id may start with "-".
    const added = await runCli(['client', 'add', world.issuer, `--client-id=${client.clientId}`, '--client-secret-stdin'], setup.env, client.clientSecret);
      expect(added.code, added.stderr).toBe(0);
    }
    const configured = JSON.parse(await setup.cli(['enterprise', 'set', '--idp', idp.issuer, `--client-id=${idp.clientId}`, '--json'])) as EnterpriseStatus;
    expect(configured).toMatchObject({ state: 'signed-out', issuer: idp.issuer, clientId: idp.clientId });

    // The one browser sign-in: at the IdP.
    const signInStarted = performance.now();
    const flow = worldA.opener.nextFlow();
    const signedIn = JSON.parse(await setup.cli(['enterprise', 'sign-in', '--json'])) as EnterpriseStatus;
    const signInMs = Math.round(performance.now() - signInStarted);
    expect((await flow).steps).toContain('login');
    expect(signedIn).toMatchObject({ state: 'signed-in', subject: expect.any(String), refreshable: true });
    expect(idp.as.tokenRequestCount('authorization_code')).toBe(1);
    const browserOpens = worldA.opener.opened.length;
    console.info(`[enterprise] IdP sign-in (browser, code + PKCE): ${signInMs} ms, ${idp.as.tokenRequests.length} IdP token request`);

    // Two servers, two authorization servers, no browser.
    for (const world of [worldA, worldB]) {
      const started = performance.now();
      const idpBefore = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
      const asBefore = world.as.tokenRequests.length;
      const connected = JSON.parse(await setup.cli(['connect', world.mcpUrl, '--enterprise', '--json'])) as ConnectionSummary;
      const ms = Math.round(performance.now() - started);
      expect(connected).toMatchObject({ resource: world.mcpUrl, issuer: world.issuer, managedBy: 'enterprise', status: 'ok', hasRefreshToken: false, scopes: ['mcp:read'] });
      const idpRequests = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - idpBefore;
      const asRequests = world.as.tokenRequests.length - asBefore;
      expect(idpRequests).toBe(1);
      expect(asRequests).toBe(1);
      expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE)).toBe(1);
      expect(world.as.tokenRequestCount('authorization_code')).toBe(0);
      console.info(`[enterprise] connect --enterprise ${world === worldA ? 'A' : 'B'}: ${ms} ms, ${idpRequests} IdP request (token exchange), ${asRequests} AS request (JWT-bearer)`);
    }
    expect(worldA.opener.opened.length).toBe(browserOpens);
    expect(worldB.opener.opened).toEqual([]);
    expect(idp.issued.map((issue) => [issue.audience, issue.resource])).toEqual([
      [worldA.issuer, worldA.mcpUrl],
      [worldB.issuer, worldB.mcpUrl],
    ]);

    // An agent gets a narrowed token for server A through the bridge and calls a tool as the owner the IdP knows.
    await setup.cli(['agent', 'add', 'notes-bot']);
    await setup.cli(['grant', 'add', 'notes-bot', worldA.mcpUrl, '--scope', 'mcp:read']);
    const agentToken = async (): Promise<TokenResponse> => {
      const run = await runCli(['run', '--agent', 'notes-bot', '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', worldA.mcpUrl], setup.env);
      // On a failure, the daemon's last log lines (fingerprints only) say what the wallet met.
      expect(run.code, `${run.stdout}${run.stderr}\n${setup.daemon.stderr.slice(-3000)}`).toBe(0);
      return JSON.parse(run.stdout) as TokenResponse;
    };
    const agentStarted = performance.now();
    const idpBefore = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const asBefore = worldA.as.tokenRequests.length;
    const first = await agentToken();
    expect(resultText(await callTool(worldA.mcpUrl, first.access_token, 'echo', { text: 'from the IdP sign-in' }))).toBe('from the IdP sign-in');
    const whoami = JSON.parse(resultText(await callTool(worldA.mcpUrl, first.access_token, 'whoami'))) as { sub?: string; scope?: string; client_id?: string };
    expect(whoami).toMatchObject({ sub: signedIn.subject, scope: 'mcp:read', client_id: clientA.clientId });
    const agentMs = Math.round(performance.now() - agentStarted);
    console.info(
      `[enterprise] agent's narrowed token (run → bridge → exchange + redeem) and two tool calls: ${agentMs} ms, ${idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - idpBefore} IdP request, ${worldA.as.tokenRequests.length - asBefore} AS request`,
    );

    // The ID-JAG behind that token lives 3 s; after it has expired, the next token comes from a fresh one.
    const lastIssue = idp.issued.at(-1);
    expect(lastIssue?.scope).toBe('mcp:read');
    const firstJagExpiry = Date.now() + idp.idJagTtlSeconds * 1000;
    await expect.poll(() => Date.now() > firstJagExpiry, { timeout: 10_000, interval: 250 }).toBe(true);
    const refreshStarted = performance.now();
    const idpBeforeRefresh = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const asBeforeRefresh = worldA.as.tokenRequests.length;
    const ownerToken = (JSON.parse(await setup.cli(['token', '--json', worldA.mcpUrl])) as TokenResponse).access_token;
    expect(decodeJwt(ownerToken).aud).toBe(worldA.mcpUrl);
    const refreshMs = Math.round(performance.now() - refreshStarted);
    expect(idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - idpBeforeRefresh).toBe(1);
    expect(worldA.as.tokenRequests.length - asBeforeRefresh).toBe(1);
    expect(worldA.opener.opened.length).toBe(browserOpens);
    console.info(`[enterprise] token after the ID-JAG expired (fresh exchange + redeem, no browser): ${refreshMs} ms, 1 IdP request, 1 AS request`);

    // The IdP ends the owner's login: the agent is told, by code, that the owner must sign in there; the connection stays.
    idp.endSignIns();
    const refused = await runCli(['run', '--agent', 'notes-bot', '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', worldA.mcpUrl], setup.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain('enterprise.sign_in_needed');
    expect(JSON.parse(await setup.cli(['enterprise', 'status', '--json'])) as EnterpriseStatus).toMatchObject({ state: 'signed-out' });
    const again = worldA.opener.nextFlow();
    await setup.cli(['enterprise', 'sign-in']);
    expect((await again).steps).toContain('login');
    const afterSignIn = await agentToken();
    expect(resultText(await callTool(worldA.mcpUrl, afterSignIn.access_token, 'echo', { text: 'signed in again' }))).toBe('signed in again');

    // No secret or token reached the audit log.
    const audit = await setup.cli(['audit', '--json']);
    expect(audit).toContain('enterprise.signed_in');
    for (const secret of [...secrets, first.access_token, ownerToken, afterSignIn.access_token]) expect(audit).not.toContain(secret);
  }, 240_000);

  it('R7: the IdP refusing a server is enterprise.id_jag_refused with a hint, and nothing is stored', async () => {
    idp.refuseAudience(worldB.issuer);
    const result = await runCli(['disconnect', worldB.mcpUrl], setup.env);
    expect(result.code, result.stderr).toBe(0);
    const connect = await runCli(['connect', worldB.mcpUrl, '--enterprise'], setup.env);
    expect(connect.code).not.toBe(0);
    expect(connect.stderr).toContain('enterprise.id_jag_refused');
    expect(connect.stderr).toContain('administrator');
    const connections = JSON.parse(await setup.cli(['connections', '--json'])) as ConnectionSummary[];
    expect(connections.map((c) => c.resource)).not.toContain(worldB.mcpUrl);
  }, 60_000);
});
