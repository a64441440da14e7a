/**
 * `latchkey daemon` as a child process of the benchmark (the bundled CLI, as it ships): started,
 * timed to its ready line and to the first answer of its bridge, read for its RSS, stopped with
 * SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';

export interface RunningDaemon {
  child: ChildProcess;
  bridgeSocket: string;
  /** Spawn → "Press Ctrl-C to stop." on stderr. */
  readyMs: number;
  /** Spawn → the first HTTP answer of the bridge socket (any status). */
  bridgeAnswerMs: number;
  /** Resident set size now, MB (from /proc; NaN where there is none). */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

/** `execArgv`: node flags for the daemon (e.g. --cpu-prof). */
export async function startDaemon(cliPath: string, env: Record<string, string>, execArgv: readonly string[] = [], timeoutMs = 60_000): Promise<RunningDaemon> {
  const started = performance.now();
  const child = spawn(process.execPath, [...execArgv, cliPath, 'daemon'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const bridgeSocket = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the daemon was not ready in ${timeoutMs} ms: ${stderr.slice(0, 500)}`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`the daemon exited with ${code ?? 'a signal'}: ${stderr.slice(0, 500)}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!stderr.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      const socket = /agent bridge: (\/\S+)/u.exec(stderr)?.[1];
      if (socket === undefined) reject(new Error(`the daemon named no bridge socket: ${stderr.slice(0, 500)}`));
      else resolve(socket);
    });
  });
  const readyMs = performance.now() - started;
  await answerOf(bridgeSocket);
  const bridgeAnswerMs = performance.now() - started;
  return {
    child,
    bridgeSocket,
    readyMs,
    bridgeAnswerMs,
    rssMb: () => rssMbOf(child.pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** One unauthenticated GET /v1/whoami on the bridge socket: resolves on its answer, whatever its status. */
export function answerOf(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/whoami', method: 'GET' }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

export async function rssMbOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB/mu.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}
