/**
 * Where the running bridge is: the discovery file `bridge.json` (0600, written atomically) in the
 * runtime directory, and where that directory is by default. The client trusts the file only
 * when the directory and the file are private to the current user (otherwise another user could
 * point an agent, and its secret, at a listener of their own).
 */
import { lstatSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { BridgeDiscovery } from '../../../shared/bridge.js';
import { checkBridgeDiscovery } from '../../../shared/bridge-checks.js';
import { ErrorCode, isLatchkeyError, LatchkeyError } from '../../../shared/errors.js';
import { assertPrivateDirectory, assertPrivateFile, DISCOVERY_FILE, errnoOf, removeIfPresent, writePrivateFile } from './runtime-dir.js';

const MAX_DISCOVERY_BYTES = 4096;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The runtime directory: $LATCHKEY_RUNTIME_DIR, else $XDG_RUNTIME_DIR/latchkey, else
 * <$LATCHKEY_HOME or ~/.latchkey>/run.
 */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = nonEmpty(env['LATCHKEY_RUNTIME_DIR']);
  if (explicit !== undefined) return resolve(explicit);
  const xdg = nonEmpty(env['XDG_RUNTIME_DIR']);
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'latchkey');
  const home = nonEmpty(env['LATCHKEY_HOME']) ?? join(nonEmpty(env['HOME']) ?? homedir(), '.latchkey');
  return join(resolve(home), 'run');
}

/**
 * Where a daemon may have put its runtime directory, most likely first. A client started with a
 * minimal environment (an MCP host passes `env -i HOME=… PATH=…`) does not know the daemon's
 * XDG_RUNTIME_DIR, so it also tries the login session's /run/user/<uid>/latchkey and <home>/run.
 * An explicit LATCHKEY_RUNTIME_DIR is the only candidate. Each is read with every check of
 * readBridgeDiscovery (0700, ours, no symlink).
 */
export function runtimeDirCandidates(
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = typeof process.getuid === 'function' ? process.getuid() : undefined,
  userRuntimeRoot: string | null = process.platform === 'linux' ? '/run/user' : null,
): string[] {
  const first = defaultRuntimeDir(env);
  if (nonEmpty(env['LATCHKEY_RUNTIME_DIR']) !== undefined) return [first];
  const candidates = [first];
  if (uid !== undefined && userRuntimeRoot !== null) candidates.push(join(userRuntimeRoot, String(uid), 'latchkey'));
  candidates.push(defaultRuntimeDir({ ...env, XDG_RUNTIME_DIR: '' }));
  return [...new Set(candidates)];
}

/**
 * The discovery file of the first candidate directory that holds a live bridge's. A directory
 * someone else could have written stops the search (BridgeUnsafePath); none → BridgeNotRunning.
 */
export function findBridgeDiscovery(candidates: readonly string[]): BridgeDiscovery {
  for (const dir of candidates) {
    try {
      return readBridgeDiscovery(dir);
    } catch (error) {
      if (!isLatchkeyError(error, ErrorCode.BridgeNotRunning)) throw error;
    }
  }
  throw new LatchkeyError(ErrorCode.BridgeNotRunning, 'The Latchkey bridge is not running.', {
    hint:
      `Start it with \`latchkey daemon\` (or the Latchkey app). Looked in ${candidates.join(', ')}; if the daemon uses another ` +
      'directory, set LATCHKEY_RUNTIME_DIR (e.g. in the MCP host\'s config) to the one `latchkey daemon` printed.',
    details: { runtimeDirs: candidates.join(':') },
  });
}

export function discoveryPath(runtimeDir: string): string {
  return join(runtimeDir, DISCOVERY_FILE);
}

/** Writes the discovery file: a fresh 0600 temp file, synced, renamed over the old one. */
export async function writeBridgeDiscovery(runtimeDir: string, discovery: BridgeDiscovery): Promise<void> {
  await writePrivateFile(discoveryPath(runtimeDir), `${JSON.stringify(discovery)}\n`);
}

function notRunning(runtimeDir: string, cause?: unknown): LatchkeyError {
  return new LatchkeyError(ErrorCode.BridgeNotRunning, 'The Latchkey bridge is not running.', {
    hint: 'Start it with `latchkey daemon` (or the Latchkey app), then try again.',
    details: { runtimeDir },
    cause,
  });
}

/**
 * Reads the discovery file. Missing, unreadable or from a process that is gone → BridgeNotRunning;
 * a directory or file others could have written → BridgeUnsafePath. The file system calls are
 * synchronous: a few bytes of a local file, and the first asynchronous one would start libuv's
 * thread pool, some 2 ms of every `latchkey token` spawn.
 */
export function readBridgeDiscovery(runtimeDir: string): BridgeDiscovery {
  const path = discoveryPath(runtimeDir);
  let text: string;
  try {
    assertPrivateDirectory(lstatSync(runtimeDir), runtimeDir);
    const info = lstatSync(path);
    assertPrivateFile(info, path, 'bridge discovery file');
    if (info.size > MAX_DISCOVERY_BYTES) throw notRunning(runtimeDir);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') throw notRunning(runtimeDir);
    throw notRunning(runtimeDir, error);
  }
  // Checked without zod: `latchkey token` reads this file on every spawn.
  let parsed: BridgeDiscovery | undefined;
  try {
    parsed = checkBridgeDiscovery(JSON.parse(text));
  } catch (error) {
    throw notRunning(runtimeDir, error);
  }
  if (parsed === undefined) throw notRunning(runtimeDir);
  if (!processIsAlive(parsed.pid)) throw notRunning(runtimeDir);
  return parsed;
}

/** Whether a process with this pid exists and is ours to signal. */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes the discovery file if it is still the one `pid` wrote (a newer bridge may have replaced it). */
export async function removeBridgeDiscovery(runtimeDir: string, pid: number): Promise<void> {
  const path = discoveryPath(runtimeDir);
  try {
    const current = checkBridgeDiscovery(JSON.parse(await readFile(path, 'utf8')));
    if (current !== undefined && current.pid !== pid) return;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
  }
  await removeIfPresent(path);
}
