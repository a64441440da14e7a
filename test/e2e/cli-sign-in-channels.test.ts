/**
 * The sign-in channels of `latchkey connect`, each through the real CLI in a child process against
 * the test world: the device grant (Chromium types the user code, as a person on another device),
 * paste (Chromium "elsewhere" cannot reach our loopback listener; the address it ended on is
 * pasted on stdin), a fixed callback port (and the port taken), --no-resource (warned, kept,
 * shown, never sent), and --reregister (refused for a client the user registered). Through a
 * running daemon, an agent (an MCP SDK v1 client in a `latchkey run` session) calls a tool through
 * `latchkey mcp` on each connection the device and paste sign-ins made.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { completeDeviceSignIn } from '../world/device-flow.js';
import { signInElsewhere } from '../world/remote-browser.js';
import { runCli, startCli, stopCli, waitForOutput } from '../support/run-cli.js';
import { keychainMode } from '../support/keychain-env.js';
import { startAgentMcp, toolText } from '../support/agent-mcp.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

let world: World;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  // 30 s access tokens: `latchkey token` (which wants a minute left) refreshes at once.
  world = await startWorld({ accessTokenTtlSeconds: 30 });
});

afterAll(async () => {
  await world?.close();
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'latchkey-channels-'));
  env = { ...world.browserRelayEnv(), LATCHKEY_HOME: home, LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1', ...keychainMode() };
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

interface ListedConnection {
  resource: string;
  clientId: string;
  signIn?: string;
  sendResource?: boolean;
  callbackPort?: number;
}

async function listed(): Promise<ListedConnection[]> {
  const result = await runCli(['connections', '--json'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ListedConnection[];
}

describe('latchkey connect --device (RFC 8628)', () => {
  it('prints the code and URI, Chromium enters it on the AS pages, the CLI polls and connects; DCR registered the device grant', async () => {
    const running = startCli(['connect', world.mcpUrl, '--device'], env);
    await waitForOutput(running, 'Or open this address');
    const userCode = /\n {2}([A-Z]{4}-[A-Z]{4})\n/u.exec(running.stderr)?.[1];
    const verificationUri = /open (\S+) on any device/u.exec(running.stderr)?.[1];
    expect(userCode, running.stderr).toBeDefined();
    expect(verificationUri).toBe(`${world.issuer}/device`);

    const steps = await completeDeviceSignIn(world.chromium, { verificationUri: verificationUri!, userCode: userCode! });
    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    expect(steps).toEqual(['device-input', 'device-confirm', 'login', 'consent', 'device-success']);
    expect(result.stdout).toContain(`Connected ${world.mcpUrl}`);

    const registration = world.as.registrations.at(-1);
    expect(registration?.metadata['grant_types']).toContain(DEVICE_GRANT);
    const polls = world.as.tokenRequests.filter((r) => r.grantType === DEVICE_GRANT);
    expect(polls.at(-1)).toMatchObject({ status: 200, resource: world.mcpUrl });
    expect(polls.slice(0, -1).every((r) => r.error === 'authorization_pending')).toBe(true);

    // The connection works like any other: a new process refreshes and hands out a token.
    const token = await runCli(['token', world.mcpUrl], env);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim().split('.')).toHaveLength(3);

    // The channel is kept: the next connect of this server signs in with a code again, until --browser.
    expect(await listed()).toEqual([expect.objectContaining({ signIn: 'device' })]);
    const again = startCli(['connect', world.mcpUrl], env);
    await waitForOutput(again, 'on any device and enter the code');
    again.child.kill('SIGINT');
    expect((await again.done).code).toBe(130);
    const browser = await runCli(['connect', world.mcpUrl, '--browser'], env);
    expect(browser.code, browser.stderr).toBe(0);
    expect((await listed())[0]?.signIn).toBeUndefined();
  }, 120_000);

  it('a registration made without the device grant is refused with registration.outdated; --reregister registers it', async () => {
    const first = await runCli(['connect', world.mcpUrl], env);
    expect(first.code, first.stderr).toBe(0);
    const refused = await runCli(['connect', world.mcpUrl, '--device'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('registration.outdated');
    expect(refused.stderr).toContain('--reregister');

    const registrations = world.as.registrations.length;
    const running = startCli(['connect', world.mcpUrl, '--device', '--reregister'], env);
    await waitForOutput(running, 'Or open this address');
    const complete = /carries the code: (\S+)/u.exec(running.stderr)?.[1];
    expect(complete).toContain('user_code=');
    // verification_uri_complete: the code is already filled in, only the confirmation remains.
    const steps = await completeDeviceSignIn(world.chromium, { verificationUri: complete!, userCode: '' });
    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    expect(steps[0]).toBe('device-confirm');
    expect(result.stderr).toContain('other connections through it will need to sign in again');
    expect(world.as.registrations.length).toBe(registrations + 1);
  }, 120_000);

  it('Ctrl-C while polling cancels: exit 130, nothing stored', async () => {
    const running = startCli(['connect', world.mcpUrl, '--device'], env);
    await waitForOutput(running, 'Or open this address');
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(await listed()).toEqual([]);
  }, 60_000);
});

describe('latchkey connect --paste', () => {
  async function startPaste(): Promise<{ running: ReturnType<typeof startCli>; authorizationUrl: string }> {
    const running = startCli(['connect', world.mcpUrl, '--paste'], env, null);
    await waitForOutput(running, 'press Enter');
    const authorizationUrl = /\n {2}(http\S+)\n/u.exec(running.stderr)?.[1];
    expect(authorizationUrl, running.stderr).toBeDefined();
    return { running, authorizationUrl: authorizationUrl! };
  }

  it('a browser elsewhere signs in; a wrong address is explained and the right one connects', async () => {
    const opened = world.opener.opened.length;
    const { running, authorizationUrl } = await startPaste();
    const endedOn = await signInElsewhere(world.chromium, authorizationUrl);
    expect(endedOn.searchParams.get('code')).not.toBeNull();

    const wrongState = new URL(endedOn);
    wrongState.searchParams.set('state', 'not-this-one');
    running.child.stdin!.write(`${wrongState.href}\n`);
    await waitForOutput(running, 'belongs to another sign-in');
    running.child.stdin!.write(`  ${endedOn.href}  \n`);
    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Connected ${world.mcpUrl}`);
    expect(world.opener.opened.length).toBe(opened); // nothing was opened on this machine
    expect(result.stderr).not.toContain(endedOn.searchParams.get('code')!);
  }, 120_000);

  it('a declined consent pasted back is authorize.access_denied; stdin ending first is authorize.paste_rejected', async () => {
    const declined = await startPaste();
    const endedOn = await signInElsewhere(world.chromium, declined.authorizationUrl, { consent: 'deny' });
    expect(endedOn.searchParams.get('error')).toBe('access_denied');
    declined.running.child.stdin!.end(`${endedOn.href}\n`);
    const result = await declined.running.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authorize.access_denied');

    const ended = await runCli(['connect', world.mcpUrl, '--paste'], env, 'http://127.0.0.1:1/elsewhere\n');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('is not where this sign-in returns to');
    expect(ended.stderr).toContain('authorize.paste_rejected');
  }, 120_000);
});

describe('latchkey connect --callback-port', () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker === undefined ? resolve() : blocker.close(() => resolve())));
    blocker = undefined;
  });

  it('binds exactly that port, registers that redirect URI, keeps it; a taken port is oauth.callback_port_in_use', async () => {
    const port = await freePort();
    const result = await runCli(['connect', world.mcpUrl, '--callback-port', String(port)], env);
    expect(result.code, result.stderr).toBe(0);
    const flow = await world.opener.lastFlow();
    expect(flow.redirectedTo.origin).toBe(`http://127.0.0.1:${port}`);
    expect(world.as.registrations.at(-1)?.metadata['redirect_uris']).toContain(`http://127.0.0.1:${port}/callback`);
    expect(await listed()).toEqual([expect.objectContaining({ callbackPort: port })]);
    const text = await runCli(['connections'], env);
    expect(text.stdout).toContain(`callback: 127.0.0.1:${port} (fixed, --callback-port)`);

    blocker = await occupy(port);
    const taken = await runCli(['connect', world.mcpUrl], env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('oauth.callback_port_in_use');
    expect(taken.stderr).toContain(`127.0.0.1:${port} is already in use`);
  }, 120_000);
});

describe('latchkey connect --no-resource / --reregister', () => {
  it('--no-resource warns, leaves resource out of every request, is kept and shown; --resource turns it back on', async () => {
    const before = world.as.tokenRequests.length;
    const result = await runCli(['connect', world.mcpUrl, '--no-resource'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Warning: --no-resource');
    expect(result.stderr).toContain('The MCP specification requires it');
    const flow = await world.opener.lastFlow();
    expect(world.opener.opened.at(-1)?.searchParams.has('resource')).toBe(false);
    expect(flow.steps).toContain('consent');
    expect(await listed()).toEqual([expect.objectContaining({ sendResource: false })]);
    expect((await runCli(['connections'], env)).stdout).toContain('resource: not sent');

    const token = await runCli(['token', world.mcpUrl], env); // refreshes (30 s tokens)
    expect(token.code, token.stderr).toBe(0);
    const requests = world.as.tokenRequests.slice(before);
    expect(requests.map((r) => r.grantType)).toEqual(['authorization_code', 'refresh_token']);
    expect(requests.every((r) => r.resource === undefined)).toBe(true);

    const again = await runCli(['connect', world.mcpUrl, '--resource'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(world.opener.opened.at(-1)?.searchParams.get('resource')).toBe(world.mcpUrl);
    expect((await listed())[0]?.sendResource).toBeUndefined();
  }, 120_000);

  it('--reregister registers again; for a client the user added it is refused with registration.pre_registered', async () => {
    const first = await runCli(['connect', world.mcpUrl], env);
    expect(first.code, first.stderr).toBe(0);
    const [before] = await listed();
    const again = await runCli(['connect', world.mcpUrl, '--reregister'], env);
    expect(again.code, again.stderr).toBe(0);
    const [after] = await listed();
    expect(after?.clientId).not.toBe(before?.clientId);
    expect(world.as.registrations.at(-1)?.clientId).toBe(after?.clientId);

    const added = await runCli(['client', 'add', world.issuer, '--client-id', 'hand-made'], env);
    expect(added.code, added.stderr).toBe(0);
    const refused = await runCli(['connect', world.mcpUrl, '--reregister'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('registration.pre_registered');
    expect(refused.stderr).toContain('latchkey client remove');
  }, 120_000);
});

describe('sign-in channels through a running daemon', () => {
  it('--device and --paste: the daemon signs in, this CLI shows the code and delivers the pasted address', async () => {
    const daemon = startCli(['daemon'], env);
    let agent: Client | undefined;
    try {
      await waitForOutput(daemon, 'Press Ctrl-C to stop.');
      const device = startCli(['connect', world.mcpUrl, '--device'], env);
      await waitForOutput(device, 'Or open this address');
      const userCode = /\n {2}([A-Z]{4}-[A-Z]{4})\n/u.exec(device.stderr)?.[1];
      await completeDeviceSignIn(world.chromium, { verificationUri: `${world.issuer}/device`, userCode: userCode! });
      const connected = await device.done;
      expect(connected.code, connected.stderr).toBe(0);
      agent = await startAgentMcp({ env, name: 'agent-channels', url: world.mcpUrl, scopes: ['mcp:read'] });
      expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'after --device' } }))).toContain('after --device');

      const paste = startCli(['connect', world.mcpUrl, '--paste'], env, null);
      await waitForOutput(paste, 'press Enter');
      const authorizationUrl = /\n {2}(http\S+)\n/u.exec(paste.stderr)?.[1];
      const endedOn = await signInElsewhere(world.chromium, authorizationUrl!);
      paste.child.stdin!.end(`${endedOn.href}\n`);
      const pasted = await paste.done;
      expect(pasted.code, pasted.stderr).toBe(0);
      expect(await listed()).toEqual([expect.objectContaining({ resource: world.mcpUrl, signIn: 'paste' })]);
      expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'after --paste' } }))).toContain('after --paste');
    } finally {
      await agent?.close();
      await stopCli(daemon);
    }
  }, 180_000);
});

async function freePort(): Promise<number> {
  const server = await occupy(0);
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}
