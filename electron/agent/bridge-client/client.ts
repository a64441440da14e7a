/**
 * The agent-side bridge client (`latchkey token`, `latchkey run`, `latchkey mcp`): node:http over
 * the Unix socket when there is one, else 127.0.0.1 TCP. Sends the bridge header and the bearer
 * secret, validates every answer, and turns problem+json into a LatchkeyError with the server's
 * code. The secret goes only to a loopback listener and never into an error message.
 *
 * A token request and its answer are checked without zod (shared/bridge-checks.ts), and the
 * other routes' schemas load on their first use: an agent's `latchkey token` is a process per
 * token, and zod's start-up would be most of it.
 */
import type { Agent, IncomingMessage, RequestOptions } from 'node:http';
import { nodeHttp } from '../../base/net/node-http.js';
import type { z } from 'zod';
import type {
  DelegateRequest,
  DelegateResponse,
  DpopProofRequest,
  DpopProofResponse,
  ElicitationRequest,
  ElicitationResponse,
  EnrolRequest,
  EnrolResponse,
  Problem,
  RejectedToken,
  TokenResponse,
  WhoamiResponse,
} from '../../../shared/bridge.js';
import type * as BridgeContract from '../../../shared/bridge.js';
import { checkProblem, checkTokenRequest, checkTokenResponse } from '../../../shared/bridge-checks.js';
import { BRIDGE_HEADER, BRIDGE_HEADER_VALUE, ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL } from '../../../shared/bridge-names.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost } from '../../../shared/url.js';
import { ApprovalWatch, type WaitingListener } from './approval-watch.js';
import { findBridgeDiscovery, readBridgeDiscovery, runtimeDirCandidates } from '../../base/runtime/discovery.js';
import { errnoOf } from '../../base/runtime/runtime-dir.js';

export interface BridgeLocation {
  /** The Unix socket; preferred when present. */
  socketPath?: string | undefined;
  /** http://127.0.0.1:<port> */
  url?: string | undefined;
  /** How long an enrolment waits for the owner, when the daemon's discovery file says. */
  approvalTimeoutMs?: number | undefined;
}

export interface BridgeClientOptions extends BridgeLocation {
  /** The agent's or session's secret. */
  secret: string;
  /** Per request, including any wait for the owner's decision (default 130 s). */
  timeoutMs?: number;
  /**
   * A token request may be a step-up: the wallet waits up to 2 minutes for the owner's approval,
   * then up to 5 minutes for the browser sign-in. Default DEFAULT_TOKEN_TIMEOUT_MS (8 minutes),
   * never shorter than `timeoutMs`, so the wallet's own timeouts answer first.
   */
  tokenTimeoutMs?: number;
  /**
   * An elicitation at stage 'wait' (the user is busy on the opened page; the wallet waits up to
   * 10 minutes for "retry now"): default 11 minutes, so the wallet's own timeout answers first.
   */
  elicitWaitTimeoutMs?: number;
  /**
   * While a token or elicitation request waits, told the agent's own pending approvals each time
   * they change (GET /v1/approvals/pending, approval-watch.ts), so the agent can say what it waits for.
   */
  onWaiting?: WaitingListener;
}

/** What a token is for: a server's URL, or its URL and one of the owner's accounts on it (protocol.md T8). */
export type TokenTarget = string | { resource: string; account?: string | undefined };

export interface BridgeClient {
  /** `rejected`: the resource refused the last token with 401 (bridge.ts RejectedToken). */
  token(target: TokenTarget, scopes?: string[], rejected?: RejectedToken): Promise<TokenResponse>;
  whoami(): Promise<WhoamiResponse>;
  /** POST /v1/sessions/delegate: a child session with a slice of this session's access (T40). */
  delegate(request: DelegateRequest): Promise<DelegateResponse>;
  /** POST /v1/dpop-proof: the wallet signs a DPoP proof for one request with a DPoP token it handed out (A8); the key stays there. */
  dpopProof(request: DpopProofRequest): Promise<DpopProofResponse>;
  /**
   * POST /v1/elicitations: hands a server's URL elicitation to the wallet (the owner decides; the
   * wallet opens the page). Aborting `signal` withdraws the request (closes it); the promise then
   * rejects with the signal's reason.
   */
  elicit(request: ElicitationRequest, signal?: AbortSignal): Promise<ElicitationResponse>;
  /** Closes kept-alive connections. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 130_000;
/** A step-up's approval (≤ 2 min) plus its browser sign-in (≤ 5 min), with a minute to spare. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 8 * 60_000;
const DEFAULT_ELICIT_WAIT_TIMEOUT_MS = 11 * 60_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** An answer's check: the value as the caller may use it, or undefined when it is not one. */
type AnswerCheck<T> = (value: unknown) => T | undefined;

/** The bridge's schemas (and zod with them), loaded by the first call that needs one. */
const loadContract = (): Promise<typeof BridgeContract> => import('../../../shared/bridge.js');

function checkWith<T>(schema: z.ZodType<T>): AnswerCheck<T> {
  return (value) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
}

/** Checks a request with its schema; rejects with InvalidInput and `hint` when it does not pass. */
function checkRequest<T>(schema: z.ZodType<T>, request: unknown, message: string, hint: string): T {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw new LatchkeyError(ErrorCode.InvalidInput, message, { hint });
  return parsed.data;
}

export function createBridgeClient(options: BridgeClientOptions): BridgeClient {
  const target = resolveTarget(options);
  const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 16 });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tokenTimeoutMs = Math.max(timeoutMs, options.tokenTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS);
  const call = <T>(method: 'GET' | 'POST', path: string, check: AnswerCheck<T>, body?: unknown, signal?: AbortSignal, waitMs = timeoutMs): Promise<T> =>
    callBridge(
      { target, agent, secret: options.secret, timeoutMs: waitMs, ...(signal === undefined ? {} : { signal }) },
      method,
      path,
      check,
      body,
    );
  const onWaiting = options.onWaiting;
  const watch =
    onWaiting === undefined
      ? undefined
      : new ApprovalWatch({
          list: async () => (await call('GET', '/v1/approvals/pending', checkWith((await loadContract()).PendingApprovalsResponse))).approvals,
          onChange: onWaiting,
        });
  const watched = <T>(work: Promise<T>): Promise<T> => (watch === undefined ? work : watch.track(work));
  return {
    token: (target, scopes, rejected) => {
      const { resource, account } = typeof target === 'string' ? { resource: target, account: undefined } : target;
      const request = checkTokenRequest({
        resource,
        ...(account === undefined ? {} : { account }),
        ...(scopes === undefined ? {} : { scopes }),
        ...(rejected === undefined ? {} : { rejected }),
      });
      if (request === undefined) {
        return Promise.reject(
          new LatchkeyError(ErrorCode.InvalidInput, 'The resource, account or scopes are not valid for the bridge.', {
            hint: 'Use a URL of printable ASCII, an account label such as work, and at most 32 scopes.',
          }),
        );
      }
      return watched(call('POST', '/v1/token', checkTokenResponse, request, undefined, tokenTimeoutMs));
    },
    whoami: async () => call('GET', '/v1/whoami', checkWith((await loadContract()).WhoamiResponse)),
    delegate: async (request) => {
      const contract = await loadContract();
      const checked = checkRequest(contract.DelegateRequest, request, 'The delegation is not valid for the bridge.', 'Use printable ASCII URLs and scopes, at most 32 resources and 64 scopes.');
      return call('POST', '/v1/sessions/delegate', checkWith(contract.DelegateResponse), checked);
    },
    dpopProof: async (request) => {
      const contract = await loadContract();
      const checked = checkRequest(contract.DpopProofRequest, request, 'The DPoP proof request is not valid for the bridge.', 'The resource and URL must be printable ASCII within the bridge limits.');
      return call('POST', '/v1/dpop-proof', checkWith(contract.DpopProofResponse), checked);
    },
    elicit: async (request, signal) => {
      const contract = await loadContract();
      const checked = checkRequest(contract.ElicitationRequest, request, 'The elicitation is not valid for the bridge.', 'The server, URL and message must be printable text within the bridge limits.');
      const waitMs = checked.stage === 'wait' ? Math.max(timeoutMs, options.elicitWaitTimeoutMs ?? DEFAULT_ELICIT_WAIT_TIMEOUT_MS) : timeoutMs;
      return watched(call('POST', '/v1/elicitations', checkWith(contract.ElicitationResponse), checked, signal, waitMs));
    },
    close: () => {
      watch?.stop();
      agent.destroy();
    },
  };
}

/**
 * Enrolment goes only over the Unix socket (T32): the bridge refuses it on TCP, because only on the
 * socket can it tell the owner which process asks. Throws EnrolNeedsSocket when there is none.
 */
export function enrolmentSocket(location: BridgeLocation): string {
  if (location.socketPath !== undefined && location.socketPath !== '') return location.socketPath;
  throw new LatchkeyError(ErrorCode.EnrolNeedsSocket, "Enrolment needs the Latchkey bridge's Unix socket, and this process has no socket to use.", {
    hint: 'Run `latchkey enrol` as the user who runs Latchkey, on the same machine (LATCHKEY_BRIDGE_SOCKET or the runtime directory names the socket); the TCP listener never enrols.',
  });
}

/** Asks the bridge, over its Unix socket, to enrol a new agent (an approval for the owner); resolves with its secret once approved. */
export async function requestEnrolment(
  location: BridgeLocation,
  request: EnrolRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<z.infer<typeof EnrolResponse>> {
  const target = socketTarget(enrolmentSocket(location));
  const agent = new nodeHttp.Agent({ keepAlive: false });
  try {
    return await callBridge({ target, agent, timeoutMs }, 'POST', '/v1/enrol', checkWith((await loadContract()).EnrolResponse), request);
  } finally {
    agent.destroy();
  }
}

/**
 * Where to reach the bridge: $LATCHKEY_BRIDGE_SOCKET / $LATCHKEY_BRIDGE_URL (set by `latchkey run`),
 * else the discovery file in `runtimeDir`, or in the first of the directories a daemon may have
 * used (runtimeDirCandidates: also found from a minimal environment). Throws BridgeNotRunning.
 */
export function locateBridge(env: NodeJS.ProcessEnv = process.env, runtimeDir?: string): BridgeLocation {
  const socketPath = env[ENV_BRIDGE_SOCKET];
  const url = env[ENV_BRIDGE_URL];
  if ((socketPath ?? '') !== '' || (url ?? '') !== '') return { socketPath, url };
  const discovery = runtimeDir === undefined ? findBridgeDiscovery(runtimeDirCandidates(env)) : readBridgeDiscovery(runtimeDir);
  return { socketPath: discovery.socket, url: discovery.url === '' ? undefined : discovery.url, approvalTimeoutMs: discovery.approvalTimeoutMs };
}

/**
 * A socket target names no TLS server (servername ''): otherwise node's http Agent works one out
 * from the Host header with net.isIP, whose first call compiles the IPv6 regular expression, some
 * 4 ms of every one-shot `latchkey token`.
 */
type Target = { socketPath: string; servername: '' } | { host: string; port: number };

function socketTarget(socketPath: string): Target {
  return { socketPath, servername: '' };
}

function resolveTarget(location: BridgeLocation): Target {
  if (location.socketPath !== undefined && location.socketPath !== '') return socketTarget(location.socketPath);
  if (location.url !== undefined && location.url !== '') {
    let url: URL;
    try {
      url = new URL(location.url);
    } catch {
      throw badLocation();
    }
    if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname) || url.port === '' || url.pathname !== '/') throw badLocation();
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  }
  throw new LatchkeyError(ErrorCode.BridgeNotRunning, 'No bridge location was given.', {
    hint: 'Run the agent under `latchkey run`, or start `latchkey daemon`.',
  });
}

function badLocation(): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidInput, 'The bridge URL must be http://127.0.0.1:<port>.', {
    hint: 'Secrets are only ever sent to a loopback bridge; check LATCHKEY_BRIDGE_URL.',
  });
}

interface CallContext {
  target: Target;
  agent: Agent;
  secret?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

function callBridge<T>(context: CallContext, method: 'GET' | 'POST', path: string, check: AnswerCheck<T>, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { [BRIDGE_HEADER]: BRIDGE_HEADER_VALUE, accept: 'application/json' };
  if (context.secret !== undefined) headers['authorization'] = `Bearer ${context.secret}`;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const options: RequestOptions = { ...context.target, method, path, headers, agent: context.agent, timeout: context.timeoutMs };
  const signal = context.signal;
  if (signal !== undefined) options.signal = signal;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const req = nodeHttp.request(options, (res) => {
      readResponse(res).then(
        (text) => {
          try {
            resolve(interpret(res, text, check));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => reject(signal?.aborted === true ? abortReason(signal) : error instanceof LatchkeyError ? error : unreachable(error)),
      );
    });
    req.on('timeout', () => req.destroy(new LatchkeyError(ErrorCode.Timeout, 'The bridge did not answer in time.')));
    req.on('error', (error) => {
      if (signal?.aborted === true) reject(abortReason(signal));
      else reject(error instanceof LatchkeyError ? error : unreachable(error));
    });
    req.end(payload);
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The request was withdrawn.', 'AbortError');
}

function readResponse(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy(new LatchkeyError(ErrorCode.ResponseTooLarge, 'The bridge answer is too large.'));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new LatchkeyError(ErrorCode.Unreachable, 'The bridge closed the connection.')));
  });
}

function interpret<T>(res: IncomingMessage, text: string, check: AnswerCheck<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badResponse(res.statusCode);
  }
  if (res.statusCode === 200) {
    const answer = check(json);
    if (answer === undefined) throw badResponse(res.statusCode);
    return answer;
  }
  const problem = checkProblem(json);
  if (problem === undefined) throw badResponse(res.statusCode);
  throw errorFromProblem(problem);
}

/** A LatchkeyError carrying the bridge's code (unknown codes become `internal`). */
export function errorFromProblem(problem: Problem): LatchkeyError {
  const code = KNOWN_CODES.has(problem.code) ? (problem.code as ErrorCode) : ErrorCode.Internal;
  return new LatchkeyError(code, problem.detail ?? problem.title, {
    details: {
      status: problem.status,
      ...(problem.retry_after === undefined ? {} : { retryAfterSeconds: problem.retry_after }),
      ...(problem.approval_id === undefined ? {} : { approvalId: problem.approval_id }),
    },
  });
}

function badResponse(status: number | undefined): LatchkeyError {
  return new LatchkeyError(ErrorCode.BadResponse, `The bridge sent an answer Latchkey does not understand (HTTP ${status ?? '?'}).`, {
    hint: 'Check that the bridge and this CLI are the same Latchkey version.',
  });
}

function unreachable(error: unknown): LatchkeyError {
  const errno = errnoOf(error);
  if (errno === 'ENOENT' || errno === 'ECONNREFUSED') {
    return new LatchkeyError(ErrorCode.BridgeNotRunning, 'The Latchkey bridge is not running.', {
      hint: 'Start it with `latchkey daemon` (or the Latchkey app), then try again.',
      cause: error,
    });
  }
  if (errno === 'EACCES') {
    return new LatchkeyError(ErrorCode.BridgeUnsafePath, 'The bridge socket belongs to another user.', {
      hint: 'Run the agent as the user who runs Latchkey.',
      cause: error,
    });
  }
  return new LatchkeyError(ErrorCode.Unreachable, 'Could not talk to the Latchkey bridge.', {
    hint: 'Check that `latchkey daemon` is running.',
    cause: error,
  });
}
