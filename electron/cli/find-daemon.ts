/**
 * The running daemon an owner command talks to, for one data directory. First the caller's own
 * runtime directory; then where a daemon started from a login session puts it (the bridge's
 * runtimeDirCandidates: /run/user/<uid>/latchkey, <home>/run), because a CLI started with a
 * minimal environment (`env -i HOME=… PATH=…`: cron, a service unit, an MCP host) has no
 * XDG_RUNTIME_DIR. The login session's directory is shared by every data directory of the user,
 * so a daemon found there is used only when it serves this one: its vault file lies in it, or it
 * keeps its vault in memory (no file says whose it is) and this is the default data directory.
 */
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { runtimeDirCandidates } from '../base/runtime/discovery.js';
import { findOwnerEndpoint, openRemoteWallet, type OwnerEndpoint } from '../wallet/host/owner-client.js';

/** The default data directory for this environment (what `--home` and LATCHKEY_HOME override). */
function defaultHome(env: NodeJS.ProcessEnv): string {
  const home = env['HOME']?.trim();
  return resolve(home === undefined || home === '' ? homedir() : home, '.latchkey');
}

async function servesHome(endpoint: OwnerEndpoint, home: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const wallet = await openRemoteWallet(endpoint);
  try {
    const status = wallet.vaultStatus;
    if (status.mode === 'memory') return resolve(home) === defaultHome(env);
    return dirname(resolve(status.path)) === resolve(home);
  } finally {
    await wallet.close();
  }
}

/** The owner endpoint of the daemon serving `home`, or undefined when none runs. A runtime directory others could write stops the search (BridgeUnsafePath). */
export async function findDaemonFor(home: string, env: NodeJS.ProcessEnv): Promise<OwnerEndpoint | undefined> {
  const homeRun = join(resolve(home), 'run');
  const [own, ...elsewhere] = runtimeDirCandidates({ ...env, LATCHKEY_HOME: home });
  const mine = own === undefined ? undefined : await findOwnerEndpoint(own);
  if (mine !== undefined) return mine;
  for (const dir of elsewhere) {
    const endpoint = await findOwnerEndpoint(dir);
    if (endpoint !== undefined && (dir === homeRun || (await servesHome(endpoint, home, env)))) return endpoint;
  }
  return undefined;
}
