/**
 * A real process that asks the bridge to enrol, as `latchkey enrol` would: POST /v1/enrol over the
 * Unix socket or 127.0.0.1 TCP, then prints one JSON line {pid, status, code} (or {pid, error}
 * when it could not connect). Run as this user or, through runuser, as `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
const http = require('node:http');
const [where, name, count] = process.argv.slice(1);
const target = where.startsWith('/') ? { socketPath: where } : { host: '127.0.0.1', port: Number(where) };
const headers = { 'latchkey-bridge': '1', 'content-type': 'application/json' };
if (!where.startsWith('/')) headers.host = '127.0.0.1:' + where;
const one = (i) => new Promise((resolve) => {
  const req = http.request({ ...target, method: 'POST', path: '/v1/enrol', headers, agent: false }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (body += c));
    res.on('end', () => { let code; try { code = JSON.parse(body).code; } catch {} resolve({ status: res.statusCode, code }); });
  });
  req.on('error', (e) => resolve({ error: e.code }));
  req.end(JSON.stringify({ name: Number(count) > 1 ? name + '-' + i : name }));
});
Promise.all(Array.from({ length: Number(count) || 1 }, (_, i) => one(i))).then((results) => {
  console.log(JSON.stringify({ pid: process.pid, results }));
});
`;

export interface EnrolResult {
  status?: number;
  code?: string;
  error?: string;
}

export interface EnrolClient {
  child: ChildProcess;
  /** What the process printed once all its requests were answered. */
  done: Promise<{ pid: number; results: EnrolResult[] }>;
}

/**
 * Starts a process that sends `count` parallel enrolments (names `<name>-<i>` when more than one)
 * to `where`: a socket path, or a TCP port. `asNobody` runs it through `runuser -u nobody`.
 */
export function startEnrolClient(where: string | number, name: string, options: { count?: number; cwd?: string; asNobody?: boolean } = {}): EnrolClient {
  const args = ['-e', SCRIPT, String(where), name, String(options.count ?? 1)];
  const child =
    options.asNobody === true
      ? spawn('runuser', ['-u', 'nobody', '--', process.execPath, ...args], { cwd: options.cwd ?? '/', stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, args, { cwd: options.cwd ?? '/', stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const done = new Promise<{ pid: number; results: EnrolResult[] }>((resolve, reject) => {
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as { pid: number; results: EnrolResult[] });
      } catch {
        reject(new Error(`enrol client exited ${String(code)} without an answer: ${out}`));
      }
    });
  });
  return { child, done };
}

export const isRoot = process.getuid?.() === 0;
