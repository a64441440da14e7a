/**
 * The `latchkey` command on the real process: wires the CLI to its streams, signals, the system
 * browser opener and the wallet's composition root; everything else lives in run.ts. main.ts
 * loads this module once the compile cache is on.
 */
import { capYoungGeneration } from '../base/runtime/young-generation.js';
import { createProcessInterrupts, createProcessIo, endProcess } from './process-io.js';
import { runCli } from './run.js';
import { createProcessSignals } from './signals.js';
import { readVersion } from './version.js';

/** Runs the command in process.argv; sets the exit code and lets the process end by itself. */
export async function launchCli(): Promise<void> {
  const interrupts = createProcessInterrupts(process);
  const exitCode = await runCli(process.argv.slice(2), {
    io: createProcessIo(process, interrupts),
    env: process.env,
    // Loaded on first use: --help and --version stay fast and never touch the keychain.
    openWallet: async (config, ports) => (await import('./open-cli-wallet.js')).openCliWallet(config, ports),
    // The system opener (and node:child_process) loads when a browser is to open, not on every start.
    createOpener: (policy) => ({
      open: async (url) => (await import('../base/opener/index.js')).createSystemOpener({ env: process.env, platform: process.platform, policy }).open(url),
    }),
    version: readVersion(),
    signals: createProcessSignals(process),
    // A wallet host caps V8's young generation (its RSS after a burst of audit queries).
    beforeHosting: () => void capYoungGeneration(),
  });
  interrupts.dispose();
  endProcess(process, exitCode);
}
