/**
 * The wallet host the desktop app is a window onto. The host for the data directory that already
 * answers on the owner socket (`latchkey daemon`, or one an earlier start of the app left) is
 * used as it is; otherwise the app starts the CLI's own daemon (`latchkey daemon --no-ui`) in a
 * process of its own, through a HostSpawner (host-spawner.ts): a utilityProcess on Electron's
 * Node when that Node is one the wallet supports, else a child of the project's Node
 * (host-runtime.ts chooses). The vault, the bridge and the owner socket then live in that
 * process, so a crash of the window or of the main process cannot reach the vault.
 *
 * Either way the host is ready when it prints its owner socket. Only a host started here is
 * stopped by `stop()`.
 */
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { Logger } from '../base/ports.js';
import { findOwnerEndpoint, type OwnerEndpoint } from '../wallet/host/owner-client.js';
import type { HostSpawner } from './host-spawner.js';

export interface WalletHost {
  endpoint: OwnerEndpoint;
  /** True when this app started the host (and so stops it on quit). */
  startedHere: boolean;
  /** The host's process id when this app started it. */
  pid?: number;
  /** Stops a host started here (SIGTERM, then SIGKILL after `graceMs`); nothing for a host found running. */
  stop(): Promise<void>;
}

export interface HostLaunch {
  /** The runtime directory of the data directory (where the owner socket is). */
  runtimeDir: string;
  /** How the host process is started (host-spawner.ts). */
  spawner: HostSpawner;
  /** The bundled CLI (dist/cli/main.js; outside the asar in a packaged app). */
  cliEntry: string;
  /** The host's environment (it reads the same LATCHKEY_* settings the app does). */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  readyTimeoutMs?: number;
  graceMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const DEFAULT_GRACE_MS = 10_000;
/** What `latchkey daemon` prints once its owner socket listens. */
const READY_LINE = 'owner socket:';

/** The host already serving `runtimeDir`, or one started for it. */
export async function attachOrStartHost(launch: HostLaunch): Promise<WalletHost> {
  const running = await findOwnerEndpoint(launch.runtimeDir);
  if (running !== undefined) return { endpoint: running, startedHere: false, stop: async () => {} };
  return startHost(launch);
}

function hostFailed(detail: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.CommandFailed, `The Latchkey wallet host did not start (${detail}).`, {
    hint: 'Run `latchkey daemon` in a terminal to see why, then start the app again.',
  });
}

async function startHost(launch: HostLaunch): Promise<WalletHost> {
  const child = launch.spawner.start(launch.cliEntry, ['daemon', '--no-ui'], launch.env);
  const exited = new Promise<void>((resolve) => child.onExit(resolve));
  let lastLine = '';
  let announced: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (announced = resolve));
  child.stderr?.setEncoding('utf8');
  // Read for the host's whole life: a full pipe would stall it. Its lines hold no secrets (no --ui, no link).
  child.stderr?.on('data', (chunk: string | Buffer) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim() === '') continue;
      lastLine = line.trim().slice(0, 200);
      launch.logger.debug('wallet host', { line: lastLine });
      if (line.includes(READY_LINE)) announced();
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    child.onError((detail) => reject(hostFailed(detail)));
    child.onExit(() => reject(hostFailed(lastLine === '' ? 'it exited' : lastLine)));
    timer = setTimeout(() => reject(hostFailed('no answer in time')), launch.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  });
  // It also settles when a host that did start exits later; only the race below reads it.
  failure.catch(() => undefined);
  const stop = async (): Promise<void> => {
    if (!child.isRunning()) return;
    child.terminate();
    const killer = setTimeout(() => child.forceKill(), launch.graceMs ?? DEFAULT_GRACE_MS);
    await exited;
    clearTimeout(killer);
  };
  try {
    await Promise.race([ready, failure]);
    const endpoint = await findOwnerEndpoint(launch.runtimeDir);
    if (endpoint === undefined) throw hostFailed('its owner socket does not answer');
    return { endpoint, startedHere: true, ...(child.pid === undefined ? {} : { pid: child.pid }), stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
