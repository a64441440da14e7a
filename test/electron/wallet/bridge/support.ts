/**
 * Helpers for bridge tests: private temp runtime dirs, raw HTTP over net.connect (to send what a
 * well-behaved client never would), and parsed answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRIDGE_HEADER } from '../../../../shared/bridge.js';
import { startBridgeServer, type BridgeServer, type BridgeServerOptions } from '../../../../electron/wallet/bridge/server.js';
import { FAKE_AGENT_SECRET, FakeBridgeHandler } from '../../../fakes/fake-bridge-handler.js';

export interface TempDir {
  /** mkdtemp base (0700). */
  base: string;
  /** <base>/run: not created; the server creates it. */
  runtimeDir: string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = 'lk-bridge-'): Promise<TempDir> {
  const base = await mkdtemp(join(tmpdir(), prefix));
  return { base, runtimeDir: join(base, 'run'), remove: () => rm(base, { recursive: true, force: true }) };
}

export interface TestBridge {
  server: BridgeServer;
  handler: FakeBridgeHandler;
  port: number;
  socketPath: string;
  dir: TempDir;
  close(): Promise<void>;
}

export async function startTestBridge(options: Partial<Omit<BridgeServerOptions, 'handler' | 'runtimeDir'>> = {}): Promise<TestBridge> {
  const dir = await makeTempDir();
  const handler = new FakeBridgeHandler();
  const server = await startBridgeServer({ handler, runtimeDir: dir.runtimeDir, ...options });
  return {
    server,
    handler,
    port: server.url === undefined ? 0 : Number(new URL(server.url).port),
    socketPath: server.socketPath ?? '',
    dir,
    close: async () => {
      await server.close();
      await dir.remove();
    },
  };
}

export type Target = { port: number } | { path: string };

export interface RawResponse {
  /** 0 when the connection closed without an answer. */
  status: number;
  headers: Record<string, string>;
  /** Header names in the order received, lower case, repeated ones repeated. */
  headerNames: string[];
  body: string;
  raw: string;
}

export function parseRawResponse(raw: string): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/1.1 ') || headEnd < 0) return { status: 0, headers: {}, headerNames: [], body: '', raw };
  const [statusLine = '', ...lines] = raw.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  const headerNames: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headerNames.push(name);
    headers[name] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, headerNames, body: raw.slice(headEnd + 4), raw };
}

/** Writes `data` on a fresh connection and reads one answer (or until the server closes). */
export function rawRequest(target: Target, data: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = 'port' in target ? connect({ host: '127.0.0.1', port: target.port }) : connect({ path: target.path });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks).toString('latin1')));
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseRawResponse(Buffer.concat(chunks).toString('latin1'));
      const length = Number(parsed.headers['content-length'] ?? NaN);
      if (parsed.status !== 0 && Number.isFinite(length) && Buffer.byteLength(parsed.body, 'latin1') >= length) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(data);
  });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpCall {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A well-formed request through node:http (no keep-alive). */
export function httpCall(target: Target, call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        ...('port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.path }),
        method: call.method ?? 'GET',
        path: call.path ?? '/v1/whoami',
        headers: call.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

/** The headers a correct agent sends. */
export function goodHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { [BRIDGE_HEADER]: '1', authorization: `Bearer ${FAKE_AGENT_SECRET}`, ...extra };
}

export const GOOD_TOKEN_BODY = JSON.stringify({ resource: 'https://mcp.example/mcp' });

/** Every Access-Control-* header name in an answer. */
export function corsHeaders(headers: Record<string, unknown> | string[]): string[] {
  const names = Array.isArray(headers) ? headers : Object.keys(headers);
  return names.filter((name) => name.toLowerCase().startsWith('access-control-'));
}
