/**
 * `latchkey doctor` from the real CLI process: one line per check with a fix, --json, exit 1 on a
 * failed check; and `latchkey start` without a D-Bus session runs instead of stopping.
 */
import { describe, expect, it } from 'vitest';
import { useHeadlessBoxes } from '../../support/headless-box.js';
import { runCli, startCli, waitForOutput } from '../../support/run-cli.js';

const headless = useHeadlessBoxes('latchkey-doctor-');

describe('latchkey doctor', () => {
  it('on a headless box without D-Bus: keychain fails with a fix, D-Bus and display warn, exit 1; --json says the same', async () => {
    const text = await runCli(['doctor'], headless('text'));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^(ok|warn)\s+node\s+Node \d+/m);
    expect(text.stdout).toMatch(/^warn\s+dbus\s+no D-Bus session/m);
    expect(text.stdout).toMatch(/^fail\s+keychain\s+.*D-Bus/m);
    expect(text.stdout).toMatch(/^warn\s+display\s+no display/m);
    expect(text.stdout).toMatch(/^warn\s+daemon\s+not running/m);
    expect(text.stdout).toMatch(/^warn\s+bridge\s+not running/m);
    expect(text.stdout).toContain('fix: Start a Secret Service');

    const json = await runCli(['doctor', '--json'], headless('json'));
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; fix?: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.map((check) => check.name)).toEqual(['node', 'dbus', 'keychain', 'display', 'browser', 'daemon', 'bridge']);
    expect(report.checks.find((check) => check.name === 'keychain')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--vault passphrase') });
  });

  it('with a memory vault chosen the missing keychain only warns (exit 0), and a running daemon and bridge are ok', async () => {
    const env = { ...headless('running'), LATCHKEY_VAULT: 'memory' };
    const daemon = startCli(['daemon', '--no-ui'], env);
    try {
      await waitForOutput(daemon, 'Press Ctrl-C to stop.');
      const result = await runCli(['doctor', '--json'], env);
      const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
      expect(report.checks.find((check) => check.name === 'keychain')?.status).toBe('warn');
      expect(report.checks.find((check) => check.name === 'daemon')?.status).toBe('ok');
      expect(report.checks.find((check) => check.name === 'bridge')?.status).toBe('ok');
      expect(result.code).toBe(0);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
  });
});

describe('latchkey start without a D-Bus session', () => {
  it('with no terminal it runs the window on a memory vault, warns loudly and names --vault passphrase (never vault.keychain_unavailable)', async () => {
    const cli = startCli(['start', '--headless'], headless('start'));
    try {
      await waitForOutput(cli, 'Open the Latchkey window: http://127.0.0.1:');
      expect(cli.stderr).not.toContain('error[');
      expect(cli.stderr).toContain('IN MEMORY ONLY');
      expect(cli.stderr).toContain('--vault passphrase');
      expect(cli.stderr).toContain('vault: memory');
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  });
});
