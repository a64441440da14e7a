/**
 * Runs the CLI in-process against captured streams, a given wallet and a manual Ctrl-C.
 */
import { Readable } from 'node:stream';
import type { Opener } from '../../../electron/base/ports.js';
import type { Wallet, WalletConfig } from '../../../electron/wallet/wallet-api.js';
import type { WalletPorts } from '../../../electron/wallet/wallet.js';
import type { CliIo, InputStream, OutputStream, Scheduler } from '../../../electron/cli/io.js';
import { runCli } from '../../../electron/cli/run.js';

export class CapturedStream implements OutputStream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export class ManualInterrupts {
  private readonly handlers = new Set<() => void>();
  onInterrupt(handler: () => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  get listening(): number {
    return this.handlers.size;
  }
  interrupt(): void {
    for (const handler of [...this.handlers]) handler();
  }
}

export interface Harness {
  io: CliIo;
  stdout: CapturedStream;
  stderr: CapturedStream;
  interrupts: ManualInterrupts;
  configs: WalletConfig[];
  ports: Array<Partial<WalletPorts>>;
  /** Runs pending scheduler ticks (TTY spinners). */
  tick(): void;
  run(argv: string[]): Promise<number>;
}

export interface HarnessOptions {
  wallet?: Wallet;
  /** Opens the wallet with the ports the CLI passes (its opener, logger, environment), instead of `wallet`. */
  openWallet?: (config: WalletConfig, ports: Partial<WalletPorts>) => Promise<Wallet>;
  openWalletError?: unknown;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  tty?: boolean;
  opener?: Opener;
  now?: () => number;
  /** What launch.ts does before a command hosts the wallet (restart with the host's Node flags). */
  beforeHosting?: () => void;
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const stdout = new CapturedStream(false);
  const stderr = new CapturedStream(options.tty === true);
  const interrupts = new ManualInterrupts();
  const ticks = new Set<() => void>();
  const schedule: Scheduler = (tick) => {
    ticks.add(tick);
    return () => ticks.delete(tick);
  };
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]) as unknown as InputStream;
  const io: CliIo = { stdout, stderr, stdin, interrupts, now: options.now ?? (() => 1_700_000_000_000), schedule };
  const configs: WalletConfig[] = [];
  const ports: Array<Partial<WalletPorts>> = [];
  return {
    io,
    stdout,
    stderr,
    interrupts,
    configs,
    ports,
    tick: () => {
      for (const tick of [...ticks]) tick();
    },
    run: (argv) =>
      runCli(argv, {
        io,
        env: options.env ?? {},
        homeDir: '/home/tester',
        version: '9.9.9-test',
        ...(options.beforeHosting === undefined ? {} : { beforeHosting: options.beforeHosting }),
        createOpener: () => options.opener ?? { open: () => Promise.resolve() },
        openWallet: (config, walletPorts) => {
          configs.push(config);
          ports.push(walletPorts);
          if (options.openWalletError !== undefined) return Promise.reject(options.openWalletError);
          if (options.openWallet !== undefined) return options.openWallet(config, walletPorts);
          if (options.wallet === undefined) return Promise.reject(new Error('this test opens no wallet'));
          return Promise.resolve(options.wallet);
        },
      }),
  };
}
