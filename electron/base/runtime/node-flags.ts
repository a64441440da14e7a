/**
 * The Node (V8) flags a wallet host runs with: the desktop app starts its host with them
 * (electron/main/host-spawner.ts), `npm start` passes them, and a `latchkey daemon` or `latchkey
 * start` started without them starts again with them in the same process (`restartWithNodeFlags`,
 * before its command module loads). Other commands never take them: any V8 flag on node's
 * command line makes V8 refuse the code cache embedded in node for its own modules, which cost a
 * `latchkey token` about 10 ms of its 38 here.
 *
 * `--max-semi-space-size=4`: the young generation stops growing at 4 MB a semi-space instead of
 * V8's 16. V8 grows it for good once enough has survived scavenges, and a burst of owner audit
 * queries (a thousand events each) is enough: the daemon with 100 agents, 1,000 grants and
 * 100,000 audit events went from 82 MB after start to 99–100 MB after the queries; with the cap,
 * 91–95 MB (bench `scale`). V8 reads the flag once, at start, so it cannot be set later.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The argv (argv[0] first) that starts this process again with NODE_FLAGS; undefined when it already has them. */
export function argvWithNodeFlags(execArgv: readonly string[], argv: readonly string[]): string[] | undefined {
  if (NODE_FLAGS.every((flag) => execArgv.includes(flag))) return undefined;
  // `--` ends node's options before the script, as the bin's shebang does.
  return [argv[0] ?? 'node', ...NODE_FLAGS, ...execArgv, '--', ...argv.slice(1)];
}

export type RestartProcess = Pick<NodeJS.Process, 'execArgv' | 'argv' | 'execPath' | 'env' | 'platform' | 'execve'>;

/** Set for the restarted process only (it removes it at once): a Node that dropped the flags is not restarted again, and again. */
export const RESTARTED_ENV = 'LATCHKEY_RESTARTED_WITH_NODE_FLAGS';

/**
 * Replaces this process with itself started with NODE_FLAGS (execve: the same pid, standard
 * streams and environment) and never returns, when it lacks them and Node can (POSIX, Node ≥
 * 22.15); otherwise returns, and the process runs on without them. A process that is itself such
 * a restart is never restarted again.
 */
export function restartWithNodeFlags(proc: RestartProcess): void {
  if (proc.env[RESTARTED_ENV] !== undefined) {
    delete proc.env[RESTARTED_ENV];
    return;
  }
  const argv = argvWithNodeFlags(proc.execArgv, proc.argv);
  if (argv === undefined || proc.execve === undefined || proc.platform === 'win32') return;
  try {
    proc.execve(proc.execPath, argv, { ...proc.env, [RESTARTED_ENV]: '1' });
  } catch {
    // Not replaced (the binary moved, a seccomp policy): the host runs on with V8's defaults.
  }
}
