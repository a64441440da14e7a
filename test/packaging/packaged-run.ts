/**
 * Starting a packaged Latchkey binary as a user would (no Playwright: a hardened binary refuses
 * the `--inspect` Playwright's `_electron` needs) and watching it: its stderr lines, its exit, and
 * its window through Chromium's DevTools protocol (`--remote-debugging-port`, which no fuse turns
 * off), spoken directly over a WebSocket because Playwright's connectOverCDP needs browser-context
 * commands Electron does not implement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface PackagedRun {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr match of `pattern` (past or future); rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Kills the process (and so its children) and waits for it. */
  stop(): Promise<void>;
}

export function startPackaged(executable: string, options: { args: string[]; env: NodeJS.ProcessEnv }): PackagedRun {
  const child = spawn(executable, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters = new Set<() => void>();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    for (const wake of waiters) wake();
  });
  const waitForLine = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = stderr.match(pattern);
        if (match !== null) {
          waiters.delete(check);
          resolve(match);
        } else if (hasExited) {
          waiters.delete(check);
          reject(new Error(`exited before ${String(pattern)}; stderr:\n${stderr.slice(-3000)}`));
        }
      };
      waiters.add(check);
      check();
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { child, stderr: () => stderr, waitForLine, exited, stop };
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: { targetInfo?: TargetInfo };
  result?: unknown;
  error?: { message: string };
}

/** A DevTools connection to the packaged app's browser process. */
export interface DevTools {
  /** Resolves with the first page target whose URL satisfies `accept` (already open or opened later). */
  waitForPage(accept: (url: string) => boolean): Promise<TargetInfo>;
  /** Evaluates an expression in a page and returns its JSON value (promises are awaited). */
  evaluate(targetId: string, expression: string): Promise<unknown>;
  close(): void;
}

export async function connectDevTools(endpoint: string): Promise<DevTools> {
  const socket = new WebSocket(endpoint);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot reach DevTools at ${endpoint}`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const targets = new Map<string, TargetInfo>();
  const targetWaiters = new Set<() => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as CdpMessage;
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
      return;
    }
    const info = message.params?.targetInfo;
    if (info !== undefined && (message.method === 'Target.targetCreated' || message.method === 'Target.targetInfoChanged')) {
      targets.set(info.targetId, info);
      for (const wake of targetWaiters) wake();
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
  await send('Target.setDiscoverTargets', { discover: true });
  return {
    waitForPage: (accept) =>
      new Promise((resolve) => {
        const check = (): void => {
          const found = [...targets.values()].find((target) => target.type === 'page' && accept(target.url));
          if (found === undefined) return;
          targetWaiters.delete(check);
          resolve(found);
        };
        targetWaiters.add(check);
        check();
      }),
    evaluate: async (targetId, expression) => {
      const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      const evaluated = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string };
      };
      await send('Target.detachFromTarget', { sessionId });
      if (evaluated.exceptionDetails !== undefined) throw new Error(`evaluation failed: ${evaluated.exceptionDetails.text}`);
      return evaluated.result.value;
    },
    close: () => socket.close(),
  };
}
