/**
 * latchkey sites: list the sites a server may open without asking, and remove one. The
 * command runs against a real daemon through its owner socket, as the CLI does when one is running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowedSite } from '../../../shared/api.js';
import { runCli } from '../../../electron/cli/run.js';
import type { CliIo } from '../../../electron/cli/io.js';
import { startDaemon, type Daemon } from '../../../electron/wallet/host/daemon.js';
import { findOwnerEndpoint, openRemoteWallet } from '../../../electron/wallet/host/owner-client.js';
import { RememberedAnswers } from '../../../electron/wallet/elicitation/remembered-answers.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { CapturedStream, ManualInterrupts, createHarness } from './harness.js';

const SERVER = 'https://mcp.example.com/mcp';
const OTHER = 'https://tools.example.net/mcp';

describe('latchkey sites: arguments and help', () => {
  it('--help names both forms', async () => {
    const h = createHarness();
    expect(await h.run(['sites', '--help'])).toBe(0);
    expect(h.stdout.text).toContain('latchkey sites [--server URL] [--json]');
    expect(h.stdout.text).toContain('latchkey sites remove <server> <site>');
    expect(h.stdout.text).toContain('always allow');
  });

  it.each([
    [['sites', 'frob']],
    [['sites', 'remove', SERVER]],
    [['sites', 'remove', SERVER, 'example.org', '--server', SERVER]],
  ])('usage errors exit 2 before the wallet is opened: %j', async (argv) => {
    const h = createHarness({});
    expect(await h.run(argv)).toBe(2);
    expect(h.configs).toEqual([]);
  });
});

describe('latchkey sites against a running daemon', () => {
  let dir: string;
  let daemon: Daemon;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/lkA-');
    daemon = await startDaemon(
      { home: dir, allowInsecureLoopback: false, vault: { mode: 'memory' } },
      { fetch: new FakeTokenEndpoint().fetch, env: {} },
      { runtimeDir: `${dir}/run`, tcp: false },
    );
    const remembered = new RememberedAnswers(daemon.composed.vault, { clock: { now: () => 1_700_000_000_000 } });
    await remembered.allowSite(SERVER, 'example.org');
    await remembered.allowSite(SERVER, 'pay.example');
    await remembered.allowSite(OTHER, 'example.org');
  });
  afterAll(async () => {
    await daemon.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const io: CliIo = { stdout, stderr, stdin: process.stdin, interrupts: new ManualInterrupts(), now: () => 1_700_000_100_000, schedule: () => () => undefined };
    const code = await runCli(argv, {
      io,
      env: {},
      homeDir: dir,
      version: '9.9.9-test',
      createOpener: () => ({ open: () => Promise.resolve() }),
      openWallet: async () => openRemoteWallet((await findOwnerEndpoint(`${dir}/run`))!),
    });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('lists every allowed site with its server and time', async () => {
    const { code, stdout } = await cli(['sites']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVER\s+SITE\s+ALLOWED SINCE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^https:\/\/mcp\.example\.com\/mcp\s+example\.org\s+2023-11-14 22:13:20Z$/),
      expect.stringMatching(/^https:\/\/mcp\.example\.com\/mcp\s+pay\.example\s+/),
      expect.stringMatching(/^https:\/\/tools\.example\.net\/mcp\s+example\.org\s+/),
    ]);
  });

  it('--server narrows the list; --json prints AllowedSite objects', async () => {
    const { code, stdout } = await cli(['sites', '--server', OTHER, '--json']);
    expect(code).toBe(0);
    expect(AllowedSite.array().parse(JSON.parse(stdout))).toEqual([{ server: OTHER, site: 'example.org', createdAt: 1_700_000_000_000 }]);
  });

  it('remove takes one site back (audited as site.removed); removing it again fails with exit 1', async () => {
    const removed = await cli(['sites', 'remove', SERVER, 'pay.example']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Removed pay.example for https://mcp.example.com/mcp');
    expect((await daemon.wallet.listAllowedSites()).map((s) => [s.server, s.site])).toEqual([
      [SERVER, 'example.org'],
      [OTHER, 'example.org'],
    ]);
    const audit = (await daemon.wallet.queryAudit()).filter((e) => e.type === 'site.removed');
    expect(audit).toMatchObject([{ resource: SERVER, site: 'pay.example', actor: 'owner' }]);

    const again = await cli(['sites', 'remove', SERVER, 'pay.example']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not an allowed site');
  });
});
