/**
 * V8's compile cache for the CLI's own modules (node:module enableCompileCache, Node 22.1+): a
 * `latchkey token` spawn then reads the code V8 compiled on an earlier run instead of compiling its
 * chunks again. The cache holds code node will run, so it lives only in a directory of the user's
 * own: created 0700, and used only when it is a real directory (no symlink) owned by this user and
 * closed to group and others. Anything else, or any failure, means no cache and nothing said:
 * the cache only saves time. LATCHKEY_NO_COMPILE_CACHE=1 (or node's NODE_DISABLE_COMPILE_CACHE)
 * turns it off; NODE_COMPILE_CACHE set by the user is left to node.
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

export interface CompileCacheHost {
  env: Env;
  platform: NodeJS.Platform;
  /** The user's id (process.getuid); undefined where there is none (Windows). */
  uid: number | undefined;
  homeDir: () => string;
}

/** Where the cache goes: the platform's per-user cache directory; undefined when none is known. */
export function compileCacheDir(host: CompileCacheHost): string | undefined {
  const { env, platform } = host;
  const absolute = (value: string | undefined): string | undefined => (value !== undefined && isAbsolute(value) ? value : undefined);
  let base: string | undefined;
  if (platform === 'win32') base = absolute(env['LOCALAPPDATA']);
  else if (platform === 'darwin') base = join(host.homeDir(), 'Library', 'Caches');
  else base = absolute(env['XDG_CACHE_HOME']) ?? join(host.homeDir(), '.cache');
  return base === undefined || !isAbsolute(base) ? undefined : join(base, 'latchkey', 'compile-cache');
}

/** A directory only this user can reach: not a link, ours, mode without group or other bits (Windows: a directory). */
export function isPrivateDirectory(info: Stats, host: Pick<CompileCacheHost, 'platform' | 'uid'>): boolean {
  if (info.isSymbolicLink() || !info.isDirectory()) return false;
  if (host.platform === 'win32') return true;
  return host.uid !== undefined && info.uid === host.uid && (info.mode & 0o077) === 0;
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}

/** The private directory to cache in (created if missing), or undefined: no cache this run. */
export function prepareCompileCacheDir(host: CompileCacheHost): string | undefined {
  const { env } = host;
  if (isOn(env['LATCHKEY_NO_COMPILE_CACHE']) || isOn(env['NODE_DISABLE_COMPILE_CACHE']) || (env['NODE_COMPILE_CACHE'] ?? '') !== '') return undefined;
  try {
    const dir = compileCacheDir(host);
    if (dir === undefined) return undefined;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return isPrivateDirectory(lstatSync(dir), host) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Turns the compile cache on for the modules loaded from now on; silently does nothing when it cannot. */
export function enableCompileCache(proc: Pick<NodeJS.Process, 'env' | 'platform' | 'getuid'> = process): void {
  // Node before 22.1 (or a runtime without it, such as an older Electron) has no compile cache.
  const enableNodeCompileCache = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (enableNodeCompileCache === undefined) return;
  const dir = prepareCompileCacheDir({ env: proc.env, platform: proc.platform, uid: typeof proc.getuid === 'function' ? proc.getuid() : undefined, homeDir: homedir });
  if (dir === undefined) return;
  try {
    enableNodeCompileCache(dir);
  } catch {
    // the cache only saves time
  }
}
