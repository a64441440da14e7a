/**
 * Real processes that talk to the bridge as agents and programs do, for tests against a running
 * bridge: each sends its requests in parallel over the Unix socket or 127.0.0.1 TCP and prints one
 * JSON line per answer ({status, code} or {error} when it could not connect). Run as this user
 * or, through runuser, as `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
const http = require('node:http');
const [where, path, secret, bodiesJson] = process.argv.slice(1);
const target = where.startsWith('/') ? { socketPath: where } : { host: '127.0.0.1', port: Number(where) };
const headers = { 'latchkey-bridge': '1', 'content-type': 'application/json' };
if (!where.startsWith('/')) headers.host = '127.0.0.1:' + where;
if (secret !== '-') headers.authorization = 'Bearer ' + secret;
const say = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
const one = (body) => new Promise((resolve) => {
  const req = http.request({ ...target, method: 'POST', path, headers, agent: false }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => { let code; try { code = JSON.parse(text).code; } catch {} say({ status: res.statusCode, ...(code === undefined ? {} : { code }) }); resolve(); });
  });
  req.on('error', (e) => { say({ error: e.code }); resolve(); });
  req.end(JSON.stringify(body));
});
say({ pid: process.pid });
Promise.all(JSON.parse(bodiesJson).map(one)).then(() => undefined);
`;

export interface BridgeAnswer {
  status?: number;
  code?: string;
  error?: string;
}

export interface BridgeClientProcess {
  child: ChildProcess;
  /** The pid of the node process that sends the requests (not runuser's). */
  pid: Promise<number>;
  /** Answers so far, in arrival order. */
  readonly answers: readonly BridgeAnswer[];
  /** Resolves once `count` answers arrived (rejects if the process exits first). */
  waitForAnswers(count: number): Promise<BridgeAnswer[]>;
  /** Resolves once the process exited (every request answered, or killed). */
  done: Promise<BridgeAnswer[]>;
}

export interface ClientOptions {
  /** The agent's or session's secret (enrolment sends none). */
  secret?: string;
  cwd?: string;
  asNobody?: boolean;
}

/** Sends POST `path` once per body, all in parallel, from a new process, to a socket path or a TCP port. */
export function startBridgeClient(where: string | number, path: string, bodies: readonly unknown[], options: ClientOptions = {}): BridgeClientProcess {
  const args = ['-e', SCRIPT, String(where), path, options.secret ?? '-', JSON.stringify(bodies)];
  const spawnOptions = { cwd: options.cwd ?? '/', stdio: ['ignore', 'pipe', 'inherit'] as Array<'ignore' | 'pipe' | 'inherit'> };
  const child =
    options.asNobody === true ? spawn('runuser', ['-u', 'nobody', '--', process.execPath, ...args], spawnOptions) : spawn(process.execPath, args, spawnOptions);
  const answers: BridgeAnswer[] = [];
  const waiters: Array<{ count: number; resolve: (answers: BridgeAnswer[]) => void; reject: (error: Error) => void }> = [];
  let resolvePid: (pid: number) => void = () => undefined;
  const pid = new Promise<number>((resolve) => (resolvePid = resolve));
  let buffered = '';
  const settle = (): void => {
    for (const waiter of waiters.splice(0)) {
      if (answers.length >= waiter.count) waiter.resolve([...answers]);
      else waiters.push(waiter);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as BridgeAnswer & { pid?: number };
      buffered = buffered.slice(newline + 1);
      if (line.pid !== undefined) resolvePid(line.pid);
      else answers.push(line);
      newline = buffered.indexOf('\n');
    }
    settle();
  });
  const done = new Promise<BridgeAnswer[]>((resolve) => {
    child.on('close', () => {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the client exited after ${answers.length} of ${waiter.count} answers`));
      resolve([...answers]);
    });
  });
  return {
    child,
    pid,
    get answers() {
      return answers;
    },
    waitForAnswers: (count) =>
      new Promise((resolve, reject) => {
        waiters.push({ count, resolve, reject });
        settle();
      }),
    done,
  };
}

/** `count` enrolment requests from one new process (names `<name>-<i>`, or `name` alone for one). */
export function startEnrolClient(where: string | number, name: string, options: ClientOptions & { count?: number } = {}): BridgeClientProcess {
  const count = options.count ?? 1;
  const bodies = Array.from({ length: count }, (_, i) => ({ name: count === 1 ? name : `${name}-${i}` }));
  return startBridgeClient(where, '/v1/enrol', bodies, options);
}

export const isRoot = process.getuid?.() === 0;
