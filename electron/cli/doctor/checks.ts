/**
 * `latchkey doctor`'s checks: each looks at one thing a first run needs (Node, the keychain and
 * its D-Bus session, a display, a browser opener, the daemon, the bridge) and says ok, warn or
 * fail, with what to do about it. The outside world comes in through DoctorPorts.
 */
import type { KeychainProbe } from '../../wallet/vault/keychain-probe.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do; absent when all is well. */
  fix?: string;
}

export interface DoctorPorts {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  nodeVersion: string;
  vaultMode: 'keychain' | 'passphrase' | 'memory';
  probeKeychain: () => Promise<KeychainProbe>;
  /** Whether an executable of this name is on PATH. */
  onPath: (name: string) => boolean;
  /** The running daemon's owner socket, or undefined; rejects when the runtime dir is unsafe. */
  findDaemon: () => Promise<string | undefined>;
  /** Where the bridge says it listens and whether it answers a connection; undefined when not running. */
  probeBridge: () => Promise<{ where: string; reachable: boolean } | undefined>;
}

const RECOMMENDED_NODE = 22;
const MINIMUM_NODE: readonly [number, number] = [20, 18];

export function checkNode(version: string): CheckResult {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major >= RECOMMENDED_NODE) return { name: 'node', status: 'ok', detail: `Node ${version}` };
  if (major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1])) {
    return { name: 'node', status: 'warn', detail: `Node ${version} works; ${RECOMMENDED_NODE} is recommended`, fix: `Install Node.js ${RECOMMENDED_NODE} LTS.` };
  }
  return { name: 'node', status: 'fail', detail: `Node ${version} is too old`, fix: `Install Node.js ${RECOMMENDED_NODE} LTS (at least ${MINIMUM_NODE.join('.')}).` };
}

export function checkDbus(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): CheckResult {
  if (platform !== 'linux') return { name: 'dbus', status: 'ok', detail: `not needed on ${platform}` };
  const address = env['DBUS_SESSION_BUS_ADDRESS'];
  if (address !== undefined && address !== '') return { name: 'dbus', status: 'ok', detail: 'a D-Bus session bus is set (DBUS_SESSION_BUS_ADDRESS)' };
  return {
    name: 'dbus',
    status: 'warn',
    detail: 'no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset), so the keychain cannot be reached',
    fix: 'Log in to a desktop session, or install dbus-user-session and log in again over SSH; or use `--vault passphrase`.',
  };
}

export async function checkKeychain(ports: DoctorPorts): Promise<CheckResult> {
  const probe = await ports.probeKeychain();
  if (probe.ok) return { name: 'keychain', status: 'ok', detail: `reachable: ${probe.backend}` };
  const fix =
    ports.platform === 'linux'
      ? 'Start a Secret Service in your session (gnome-keyring-daemon, or KWallet), or keep the vault elsewhere: `latchkey start --vault passphrase`.'
      : 'Unlock your keychain, or keep the vault elsewhere: `latchkey start --vault passphrase`.';
  // Only a keychain vault needs it: with another mode this is a note, not a failure.
  const status: CheckStatus = ports.vaultMode === 'keychain' ? 'fail' : 'warn';
  const note = ports.vaultMode === 'keychain' ? '' : ` (your vault is ${ports.vaultMode}: not needed)`;
  return { name: 'keychain', status, detail: `${probe.reason}${note}`, fix };
}

export function checkDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): CheckResult {
  if (platform !== 'linux') return { name: 'display', status: 'ok', detail: `the ${platform} desktop` };
  const display = env['WAYLAND_DISPLAY'] || env['DISPLAY'];
  if (display) return { name: 'display', status: 'ok', detail: `${env['WAYLAND_DISPLAY'] ? 'WAYLAND_DISPLAY' : 'DISPLAY'}=${display}` };
  return {
    name: 'display',
    status: 'warn',
    detail: 'no display (DISPLAY and WAYLAND_DISPLAY are unset): `npm start` runs the headless host',
    fix: 'Open the link `npm start` prints in a browser on this machine (over SSH, forward its port).',
  };
}

export function checkOpener(ports: Pick<DoctorPorts, 'env' | 'platform' | 'onPath'>): CheckResult {
  const browser = ports.env['BROWSER'];
  if (browser !== undefined && browser !== '') {
    return ports.onPath(browser) || browser.includes('/')
      ? { name: 'browser', status: 'ok', detail: `BROWSER=${browser}` }
      : { name: 'browser', status: 'warn', detail: `BROWSER=${browser} is not on PATH`, fix: 'Set BROWSER to a browser command that takes a URL.' };
  }
  const opener = ports.platform === 'darwin' ? 'open' : ports.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (ports.platform !== 'linux' || ports.onPath(opener)) return { name: 'browser', status: 'ok', detail: `${opener} opens sign-in pages` };
  return {
    name: 'browser',
    status: 'warn',
    detail: 'no browser opener (BROWSER unset, no xdg-open): sign-in links are printed for you to open',
    fix: 'Install xdg-utils, or set BROWSER to a browser command.',
  };
}

export async function checkDaemon(ports: DoctorPorts): Promise<CheckResult> {
  try {
    const socket = await ports.findDaemon();
    if (socket !== undefined) return { name: 'daemon', status: 'ok', detail: `running (owner socket ${socket})` };
    return { name: 'daemon', status: 'warn', detail: 'not running', fix: 'Run `npm start` (or `latchkey daemon`).' };
  } catch (error) {
    return { name: 'daemon', status: 'fail', detail: error instanceof Error ? error.message : String(error), fix: 'Remove the runtime directory it names and restart `latchkey daemon`.' };
  }
}

export async function checkBridge(ports: DoctorPorts): Promise<CheckResult> {
  try {
    const bridge = await ports.probeBridge();
    if (bridge === undefined) return { name: 'bridge', status: 'warn', detail: 'not running (agents cannot get tokens)', fix: 'Run `npm start` (or `latchkey daemon`).' };
    if (bridge.reachable) return { name: 'bridge', status: 'ok', detail: `answers on ${bridge.where}` };
    return { name: 'bridge', status: 'fail', detail: `does not answer on ${bridge.where}`, fix: 'Restart `latchkey daemon`.' };
  } catch (error) {
    return { name: 'bridge', status: 'fail', detail: error instanceof Error ? error.message : String(error), fix: 'Remove the runtime directory it names and restart `latchkey daemon`.' };
  }
}

/** Runs every check, in the order a first run meets them. */
export async function runChecks(ports: DoctorPorts): Promise<CheckResult[]> {
  return [
    checkNode(ports.nodeVersion),
    checkDbus(ports.env, ports.platform),
    await checkKeychain(ports),
    checkDisplay(ports.env, ports.platform),
    checkOpener(ports),
    await checkDaemon(ports),
    await checkBridge(ports),
  ];
}
