/**
 * Test support for the headless host: a real composed wallet (memory vault, a connection already
 * stored, a fake token endpoint), the host on 127.0.0.1, a session signed in as the window does
 * (the link's fragment token traded at POST /api/v1/session), and raw HTTP requests whose Host,
 * Origin and path are exactly what the test says (fetch would normalise them).
 */
import { request } from 'node:http';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { startHttpHost, type HttpHost, type HttpHostOptions } from '../../../../electron/wallet/host/http-host.js';
import type { Logger, LogFields } from '../../../../electron/base/ports.js';
import { decodeEndpoint, PROC_TCP4 } from '../../../../electron/base/net/tcp-peer-owners.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';

export const RESOURCE = 'https://mcp.example.test/mcp';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Default 127.0.0.1:<port>; null sends no Host header at all. */
  host?: string | null;
}

/** One request over a fresh connection, byte for byte as given (no path normalisation). */
export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.host !== null) headers['host'] = options.host ?? `127.0.0.1:${port}`;
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, agent: false, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Headers a same-origin page of the window sends with an API call. */
export function apiHeaders(session: string): Record<string, string> {
  return { 'x-latchkey-session': session, 'x-latchkey-ui': '1', 'content-type': 'application/json' };
}

/** Headers the window's event stream reader sends (no body, so no content type). */
export function streamHeaders(session: string): Record<string, string> {
  return { 'x-latchkey-session': session, 'x-latchkey-ui': '1' };
}

/** A logger that keeps what it was told (refusal codes and statuses only: no secrets are logged). */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; message: string; fields: LogFields }> = [];
  debug(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }
  refusals(): string[] {
    return this.lines.filter((l) => l.message === 'ui request refused').map((l) => String(l.fields['code']));
  }
}

export interface HostFixture {
  composed: ComposedWallet;
  host: HttpHost;
  logger: RecordingLogger;
  staticDir: string;
  close(): Promise<void>;
}

/** A built-renderer stand-in: index.html, one asset, and a secret just outside the root. */
export async function makeStaticDir(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'latchkey-host-'));
  const root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><html><head><title>Latchkey test window</title><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>');
  await writeFile(join(root, 'assets', 'app.js'), 'document.getElementById("root").textContent = "window";\n');
  await writeFile(join(base, 'secret.txt'), 'OUTSIDE-THE-ROOT\n');
  return root;
}

export async function startHostFixture(options: Partial<HttpHostOptions> & { approvalTimeoutMs?: number } = {}): Promise<HostFixture> {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  const composed = await composeWallet(
    { home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } },
    { fetch: endpoint.fetch },
    { approvalTimeoutMs: options.approvalTimeoutMs ?? 30_000 },
  );
  await seedConnection(composed.vault, RESOURCE);
  const ownStaticDir = options.staticDir === undefined;
  const staticDir = options.staticDir ?? (await makeStaticDir());
  const logger = new RecordingLogger();
  const host = await startHttpHost({ wallet: composed.wallet, staticDir, logger, ...options });
  return {
    composed,
    host,
    logger,
    staticDir,
    close: async () => {
      await host.close();
      await composed.wallet.close();
      // makeStaticDir's base (the root's parent, with the file outside the root) goes too.
      if (ownStaticDir) await rm(dirname(staticDir), { recursive: true, force: true });
    },
  };
}

/** The one-time token of a fresh sign-in link (`<url>/#signin=<token>`). */
export function linkToken(host: HttpHost): string {
  const link = new URL(host.oneTimeUrl());
  return new URLSearchParams(link.hash.slice(1)).get('signin') ?? '';
}

/** Trades `token` at POST /api/v1/session as the window does; the raw answer. */
export function exchange(port: number, token: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(port, { method: 'POST', path: '/api/v1/session', headers: { 'x-latchkey-ui': '1', 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
}

/** Signs in through a fresh one-time link as the window does; returns the session credential. */
export async function signIn(host: HttpHost): Promise<string> {
  const res = await exchange(host.port, linkToken(host));
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return (JSON.parse(res.body) as { result: { session: string } }).result.session;
}


export interface EventStreamReader {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Everything received so far. */
  readonly text: string;
  /** Resolves with the first `data:` message (parsed) that `match` accepts, past or future. */
  waitFor<T = unknown>(match: (data: T) => boolean): Promise<T>;
  /** Resolves once the raw stream contains `fragment`. */
  waitForText(fragment: string): Promise<void>;
  close(): void;
  /** The client side's state, for a failure message. */
  describe(): string;
}

/** Opens GET /api/v1/events with `headers` (streamHeaders(session) is what the window sends), and reads it as it arrives. */
export function openEventStream(port: number, headers: Record<string, string>): Promise<EventStreamReader> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      let text = '';
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const waiter of [...waiters]) waiter();
      });
      const messages = (): unknown[] =>
        text
          .split('\n\n')
          .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')))
          .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
      const until = (done: () => boolean): Promise<void> =>
        new Promise((resolveWait) => {
          const check = (): void => {
            if (!done()) return;
            waiters.splice(waiters.indexOf(check), 1);
            resolveWait();
          };
          waiters.push(check);
          check();
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        get text() {
          return text;
        },
        async waitFor<T>(match: (data: T) => boolean): Promise<T> {
          let found: T | undefined;
          await until(() => (found = (messages() as T[]).find(match)) !== undefined);
          return found as T;
        },
        waitForText: (fragment) => until(() => text.includes(fragment)),
        close: () => req.destroy(),
        describe: () => `client socket ${req.socket?.destroyed === true ? 'destroyed' : 'open'}, ${text.length} characters read`,
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING' };

/** The kernel's IPv4 TCP connections to or from `port` (Linux /proc/net/tcp), one per line: a failure message's evidence. */
export async function describeTcpConnections(port: number): Promise<string> {
  const table = await readFile(PROC_TCP4, 'utf8').catch(() => '');
  const byteOrder = endianness();
  const lines: string[] = [];
  for (const [, localColumn, remoteColumn, state] of table.split('\n').slice(1).map((line) => line.trim().split(/\s+/))) {
    const local = decodeEndpoint(localColumn ?? '', 4, byteOrder);
    const remote = decodeEndpoint(remoteColumn ?? '', 4, byteOrder);
    if (local === undefined || remote === undefined || (local.port !== port && remote.port !== port)) continue;
    lines.push(`${local.port} -> ${remote.port} ${TCP_STATES[state ?? ''] ?? state}`);
  }
  return lines.length === 0 ? `no TCP connection on port ${port}` : lines.join('\n');
}
