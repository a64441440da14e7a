/**
 * `latchkey daemon` on a first run without a Secret Service, from the real CLI process with no
 * terminal: the same fallback as `latchkey start` (a memory vault with a loud warning), never
 * vault.keychain_unavailable; a chosen mode is used as it is.
 */
import { describe, expect, it } from 'vitest';
import { useHeadlessBoxes } from '../../support/headless-box.js';
import { runCli, startCli, waitForOutput } from '../../support/run-cli.js';

const headless = useHeadlessBoxes('latchkey-first-run-');

describe('latchkey daemon on a first run without a keychain', () => {
  it('with no terminal it runs on a memory vault, warns loudly, names --vault passphrase and prints its link', async () => {
    const cli = startCli(['daemon'], headless('daemon'));
    try {
      await waitForOutput(cli, 'Open the Latchkey window: http://127.0.0.1:');
      expect(cli.stderr).not.toContain('error[');
      expect(cli.stderr).not.toContain('keychain_unavailable');
      expect(cli.stderr).toContain('IN MEMORY ONLY');
      expect(cli.stderr).toContain('--vault passphrase');
      expect(cli.stderr).toContain('vault: memory');
      expect(cli.stderr).toContain('agent bridge: ');
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  });

  it('an explicit --vault keychain is not second-guessed: it still stops at vault.keychain_unavailable', async () => {
    const result = await runCli(['daemon', '--no-ui', '--vault', 'keychain'], headless('explicit'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('keychain_unavailable');
    expect(result.stderr).not.toContain('IN MEMORY ONLY');
  });
});
