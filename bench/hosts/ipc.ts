/**
 * A benchmark host is a child process (the wallet side runs apart from the measuring client, as
 * it does for real agents): it announces `ready` with its data, then answers numbered requests.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface ReadyMessage {
  kind: 'ready';
  data: unknown;
}
interface ReplyMessage {
  kind: 'reply';
  id: number;
  ok: boolean;
  data?: unknown;
  error?: string;
}
interface RequestMessage {
  kind: 'request';
  id: number;
  op: string;
  args?: unknown;
}

export interface HostHandle<Ready> {
  readonly ready: Ready;
  readonly child: ChildProcess;
  call<T>(op: string, args?: unknown): Promise<T>;
  /** Asks the host to close, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `modulePath` with IPC (a .ts module under tsx, a bundle with plain node) and waits for its ready message. */
export interface HostOptions {
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  execArgv?: string[];
  readyTimeoutMs?: number;
}

export async function startHost<Ready>(modulePath: string, options: HostOptions = {}): Promise<HostHandle<Ready>> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const child = fork(modulePath, [], {
    execArgv: [...(modulePath.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${modulePath} was not ready in ${readyTimeoutMs} ms`)), readyTimeoutMs);
    child.once('exit', (code) => reject(new Error(`${modulePath} exited with ${code ?? 'a signal'} before it was ready`)));
    child.on('message', (raw) => {
      const message = raw as ReadyMessage | ReplyMessage;
      if (message.kind === 'ready') {
        clearTimeout(timer);
        resolve(message.data as Ready);
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.data);
      else waiter?.reject(new Error(message.error ?? 'host request failed'));
    });
  });
  child.once('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the host exited'));
    pending.clear();
  });
  return {
    ready,
    child,
    call: <T>(op: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: (value) => resolve(value as T), reject });
        const message: RequestMessage = { kind: 'request', id, op, ...(args === undefined ? {} : { args }) };
        child.send(message);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const message: RequestMessage = { kind: 'request', id: 0, op: 'close' };
        child.send(message);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export type HostOps = Record<string, (args: unknown) => Promise<unknown>>;

/** In the host: announce `ready`, answer requests with `ops`, run `close` (op id 0) then exit. */
export function serveHost(readyData: unknown, ops: HostOps, close: () => Promise<void>): void {
  const send = (message: ReadyMessage | ReplyMessage): void => {
    process.send?.(message);
  };
  process.on('message', (raw) => {
    const message = raw as RequestMessage;
    if (message.op === 'close') {
      void close().finally(() => process.exit(0));
      return;
    }
    const op = ops[message.op];
    if (op === undefined) {
      send({ kind: 'reply', id: message.id, ok: false, error: `unknown op ${message.op}` });
      return;
    }
    op(message.args).then(
      (data) => send({ kind: 'reply', id: message.id, ok: true, data }),
      (error: unknown) => send({ kind: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  });
  // The parent going away ends the host too.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  send({ kind: 'ready', data: readyData });
}
