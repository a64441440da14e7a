/**
 * A Wallet that lives in another process: the CLI's view of a running daemon, over the owner
 * socket. Built from the contract's keys (every method is one POST), so it has the in-process
 * wallet's type and every CLI command works with either.
 */
import { nodeHttp } from '../../base/net/node-http.js';
import { z } from 'zod';
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectionSummary } from '../../../shared/connections.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import { OwnerMethods, ownerApiOf, VaultStatusSchema, type ConnectControl, type ConnectParams, type OwnerMethodName } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { ErrorCode as Code } from '../../../shared/errors.js';
import { assertPrivateDirectory, assertPrivateFile, errnoOf } from '../../base/runtime/runtime-dir.js';
import type { Opener } from '../../base/ports.js';
import type { Wallet } from '../wallet-api.js';
import { OWNER_HEADER, OWNER_SOCKET, OWNER_TOKEN_FILE, SIGN_IN_LINK_PATH, type WireError } from './owner-server.js';

export interface OwnerEndpoint {
  socketPath: string;
  token: string;
}

const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * The owner token in `runtimeDir`, trusted only as the bridge's discovery file is (T39): the
 * directory 0700 and ours, the file a regular 0600 file of ours, never a symlink (someone who
 * could plant either could point the CLI, and what it sends, at a listener of their own).
 * Undefined when there is none; BridgeUnsafePath when it is not private.
 */
async function readOwnerToken(runtimeDir: string): Promise<string | undefined> {
  const path = join(runtimeDir, OWNER_TOKEN_FILE);
  let info: Stats;
  try {
    assertPrivateDirectory(await lstat(runtimeDir), runtimeDir);
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  assertPrivateFile(info, path, 'owner token file');
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const opened = await handle.stat();
    if (opened.ino !== info.ino || opened.dev !== info.dev || opened.size > MAX_TOKEN_FILE_BYTES) {
      throw new LatchkeyError(ErrorCode.BridgeUnsafePath, `The owner token file ${path} changed while it was read, or is not a token.`, {
        hint: 'Remove it and restart `latchkey daemon`.',
        details: { path },
      });
    }
    return (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
}

/**
 * The running daemon's owner endpoint in `runtimeDir`, or undefined when none answers. A token
 * file or directory others could have written is refused (BridgeUnsafePath), never used.
 */
export async function findOwnerEndpoint(runtimeDir: string): Promise<OwnerEndpoint | undefined> {
  const socketPath = join(runtimeDir, OWNER_SOCKET);
  const token = await readOwnerToken(runtimeDir);
  if (token === undefined || token === '') return undefined;
  const endpoint = { socketPath, token };
  try {
    await call(endpoint, 'status', {});
    return endpoint;
  } catch (error) {
    if (error instanceof LatchkeyError && error.code === ErrorCode.BridgeNotRunning) return undefined;
    throw error;
  }
}

/** What the caller brings to the daemon's wallet (it is the user's: their BROWSER, their flags). */
export interface RemoteCaller {
  /** Opens the sign-in URL of a connect here, with the caller's environment; the daemon then opens nothing. */
  opener?: Opener;
  /** The caller's --allow-insecure-loopback, sent with connect: the daemon refuses it unless it allows it too. */
  allowInsecureLoopback?: boolean;
}

/** The daemon's wallet: every contract method a POST to the owner socket, its result validated here too. */
export async function openRemoteWallet(endpoint: OwnerEndpoint, caller: RemoteCaller = {}): Promise<Wallet> {
  const vaultStatus = VaultStatusSchema.parse(await call(endpoint, 'status', {}));
  return {
    ...ownerApiOf((method, params) => call(endpoint, method, params)),
    vaultStatus,
    connect: (params, control = {}) => connectRemote(endpoint, params, control, caller),
    // The CLI needs no live events; the window gets them from the host it runs in.
    subscribe: () => () => undefined,
    close: async () => {},
  };
}

/** A new one-time sign-in link to the running daemon's window (owner socket only; DaemonHasNoWindow under --no-ui). */
export async function requestSignInLink(endpoint: OwnerEndpoint): Promise<string> {
  const { status, body } = await post(endpoint, SIGN_IN_LINK_PATH, {});
  const parsed = JSON.parse(body) as { result?: unknown; error?: WireError };
  if (status !== 200 || parsed.error !== undefined) throw fromWire(parsed.error);
  return SignInLinkResult.parse(parsed.result).url;
}

const SignInLinkResult = z.object({ url: z.string().regex(/^http:\/\/127\.0\.0\.1:\d{1,5}\/#signin=[\w-]{16,256}$/u) });

async function call(endpoint: OwnerEndpoint, method: OwnerMethodName, params: unknown): Promise<unknown> {
  const { status, body } = await post(endpoint, `/owner/v1/call/${method}`, params);
  const parsed = JSON.parse(body) as { result?: unknown; error?: WireError };
  if (status !== 200 || parsed.error !== undefined) throw fromWire(parsed.error);
  return OwnerMethods[method].result.parse(parsed.result);
}

async function connectRemote(endpoint: OwnerEndpoint, params: ConnectParams, options: ConnectControl, caller: RemoteCaller): Promise<ConnectionSummary> {
  let final: ConnectionSummary | undefined;
  let failure: WireError | undefined;
  // The caller's opener fails the connect only for a URL it refuses (its own policy); a browser that did not start is a warning.
  const stop = new AbortController();
  let refused: unknown;
  let opening: Promise<void> = Promise.resolve();
  const openHere = (authorizationUrl: string): void => {
    const opener = caller.opener;
    if (opener === undefined) return;
    opening = opener.open(new URL(authorizationUrl)).catch((error: unknown) => {
      if (error instanceof LatchkeyError && error.code === ErrorCode.OpenerFailed) return;
      refused = error;
      stop.abort();
    });
  };
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  await post(
    endpoint,
    '/owner/v1/connect',
    {
      ...params,
      ...(caller.opener === undefined ? {} : { openBrowser: false }),
      ...(caller.allowInsecureLoopback === true ? { allowInsecureLoopback: true } : {}),
    },
    {
      signal,
      onLine: (line) => {
        const message = JSON.parse(line) as { progress?: ConnectProgress; result?: unknown; error?: WireError };
        if (message.progress !== undefined) options.onProgress?.(message.progress);
        if (message.progress?.step === 'browser') openHere(message.progress.authorizationUrl);
        if (message.result !== undefined) final = ConnectionSummary.parse(message.result);
        if (message.error !== undefined) failure = message.error;
      },
    },
  );
  await opening;
  if (refused !== undefined) throw refused;
  if (final !== undefined) return final;
  if (options.signal?.aborted === true) throw new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The browser sign-in was cancelled.');
  throw fromWire(failure);
}

function fromWire(error: WireError | undefined): LatchkeyError {
  if (error === undefined) return new LatchkeyError(ErrorCode.Internal, 'The daemon gave no answer.');
  return new LatchkeyError(error.code as Code, error.message, error.hint === undefined ? {} : { hint: error.hint });
}

function post(
  endpoint: OwnerEndpoint,
  path: string,
  payload: unknown,
  stream?: { signal?: AbortSignal | undefined; onLine: (line: string) => void },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = nodeHttp.request(
      {
        socketPath: endpoint.socketPath,
        path,
        method: 'POST',
        headers: {
          host: 'localhost',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${endpoint.token}`,
          [OWNER_HEADER]: '1',
        },
      },
      (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => {
          text += chunk;
          if (stream === undefined) return;
          let newline = text.indexOf('\n');
          while (newline >= 0) {
            const line = text.slice(0, newline);
            text = text.slice(newline + 1);
            if (line.trim() !== '') stream.onLine(line);
            newline = text.indexOf('\n');
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    const onAbort = (): void => {
      req.destroy();
      resolve({ status: 0, body: '' });
    };
    stream?.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (stream?.signal?.aborted === true) return;
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        reject(new LatchkeyError(ErrorCode.BridgeNotRunning, 'The Latchkey daemon is not running.', { hint: 'Start it with: latchkey daemon' }));
      } else reject(error);
    });
    req.end(body);
  });
}
