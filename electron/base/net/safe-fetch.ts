/**
 * The SSRF-guarded fetch (threat T05, protocol.md P4). Every discovery, metadata, registration
 * and token request goes through it; it is fetch-compatible, so it is also openid-client's
 * customFetch.
 *
 * - https only; http only to loopback hosts when the user allowed insecure loopback.
 * - Every connection resolves its host once, judges every address, and connects to the judged
 *   address (a custom undici connector), so DNS rebinding cannot slip in a second answer and
 *   numeric host forms (0x7f000001, 2130706433, 127.1, [::ffff:7f00:1] …) are judged as the
 *   addresses WHATWG URL normalises them to.
 * - Redirects: `redirect: 'manual'` returns the 3xx as is; `'error'` refuses it; the default
 *   `'follow'` follows at most `maxRedirects` same-origin redirects of GET/HEAD requests, each
 *   connection judged again, and refuses any other (RedirectRefused).
 * - One deadline for the whole exchange including the body (Timeout), a connect timeout, and a
 *   body size cap counted as it streams (ResponseTooLarge). Nothing is cached.
 */
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import type { RequestInit as UndiciRequestInit, Response as UndiciResponse } from 'undici';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { parseSecureUrl, type UrlPolicy } from '../../../shared/url.js';
import type { Fetch, Logger } from '../ports.js';
import { createAddressGuard, normaliseHost, systemLookup, type AddressGuard, type Lookup, type ResolvedAddress } from './address-guard.js';
import { createAddressPolicy } from './address-policy.js';
import { capBody, startDeadline, tooLarge, type Deadline } from './limits.js';
import { assertTlsVerification } from './tls.js';

export interface SafeFetchOptions extends UrlPolicy {
  /** Host names the user trusts even though they resolve to private addresses. */
  allowedHosts?: readonly string[];
  /** Resolver; defaults to the system's. Tests inject hostile ones. */
  lookup?: Lookup;
  /** Response body cap in bytes (after decompression). Default 256 KiB. */
  maxResponseBytes?: number;
  /** Deadline for the whole exchange, body included. Default 10 s. */
  timeoutMs?: number;
  /** Deadline for establishing one connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** Same-origin redirects followed in 'follow' mode. Default 3. */
  maxRedirects?: number;
  /** Environment checked for NODE_TLS_REJECT_UNAUTHORIZED=0 on every request. Default process.env. */
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

/** A Fetch that owns a connection pool; close it when the wallet shuts down. */
export type SafeFetch = Fetch & { close(): Promise<void> };

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createSafeFetch(options: SafeFetchOptions): SafeFetch {
  const policy: UrlPolicy = { allowInsecureLoopback: options.allowInsecureLoopback };
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const env = options.env ?? process.env;
  const guard = createAddressGuard({
    lookup: options.lookup ?? systemLookup,
    policy: createAddressPolicy({ allowLoopback: options.allowInsecureLoopback }),
    allowedHosts: new Set((options.allowedHosts ?? []).map(normaliseHost)),
  });
  const agent = new Agent({
    connect: guardedConnector(guard, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const safeFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    assertTlsVerification(env);
    const first = parseSecureUrl(String(input), policy, 'URL');
    const method = (init.method ?? 'GET').toUpperCase();
    const deadline = startDeadline(timeoutMs, `The request to ${describeUrl(first)}`, init.signal);
    let current = first;
    try {
      for (let hop = 0; ; hop += 1) {
        const upstream = await send(agent, current, init, deadline);
        options.logger?.debug('fetch', { url: describeUrl(current), method, status: upstream.status });
        const mode = init.redirect ?? 'follow';
        if (!REDIRECT_STATUSES.has(upstream.status) || mode === 'manual') {
          return wrapResponse(upstream, { url: current, redirected: hop > 0, method, limit, deadline, init });
        }
        await upstream.body?.cancel().catch(() => undefined);
        current = nextHop(current, upstream.headers.get('location'), { mode, method, hop, maxRedirects, policy });
      }
    } catch (cause) {
      deadline.clear();
      throw mapFetchError(cause, current, deadline, init.signal);
    }
  };
  return Object.assign(safeFetch, { close: () => agent.close() });
}

/**
 * An undici connector that connects only to addresses the guard returned, trying them in order
 * (so "localhost" answering ::1 then 127.0.0.1 works whichever one the server listens on).
 */
function guardedConnector(guard: AddressGuard, connectTimeoutMs: number): buildConnector.connector {
  // rejectUnauthorized is pinned so an environment variable cannot turn verification off (T06).
  const base = buildConnector({ timeout: connectTimeoutMs, rejectUnauthorized: true });
  return (opts, callback) => {
    const attempt = (addresses: ResolvedAddress[], index: number): void => {
      const address = addresses[index];
      if (address === undefined) {
        callback(new Error('no address to connect to'), null);
        return;
      }
      // `host` keeps the original name, so TLS SNI and certificate checks use the name, not the IP.
      base({ ...opts, hostname: address.address }, (...result) => {
        if (result[0] !== null && index + 1 < addresses.length) attempt(addresses, index + 1);
        else callback(...result);
      });
    };
    guard(opts.hostname).then(
      (addresses) => attempt(addresses, 0),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

async function send(agent: Agent, url: URL, init: RequestInit, deadline: Deadline): Promise<UndiciResponse> {
  const request: UndiciRequestInit = {
    method: init.method ?? 'GET',
    headers: init.headers as UndiciRequestInit['headers'],
    body: init.body as UndiciRequestInit['body'],
    redirect: 'manual',
    signal: deadline.signal,
    dispatcher: agent,
  };
  const duplex = (init as { duplex?: 'half' }).duplex;
  if (duplex !== undefined) Object.assign(request, { duplex });
  return undiciFetch(url, request);
}

interface NextHopContext {
  mode: NonNullable<RequestInit['redirect']>;
  method: string;
  hop: number;
  maxRedirects: number;
  policy: UrlPolicy;
}

function nextHop(current: URL, location: string | null, ctx: NextHopContext): URL {
  const refuse = (why: string, target?: URL): LatchkeyError =>
    new LatchkeyError(ErrorCode.RedirectRefused, `${describeUrl(current)} redirected ${target ? `to ${describeUrl(target)}` : ''}: ${why}.`, {
      hint: 'Use the final URL directly, or ask the server operator to stop redirecting.',
      details: { url: describeUrl(current), ...(target ? { location: describeUrl(target) } : {}) },
    });
  if (ctx.mode === 'error') throw refuse('redirects are not allowed for this request');
  if (location === null) throw refuse('the redirect has no Location');
  let target: URL;
  try {
    target = new URL(location, current);
  } catch {
    throw refuse('the Location is not a valid URL');
  }
  if (target.origin !== current.origin) throw refuse('Latchkey does not follow redirects to another origin', target);
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw refuse(`Latchkey does not replay a ${ctx.method} request`, target);
  if (ctx.hop >= ctx.maxRedirects) throw refuse(`more than ${ctx.maxRedirects} redirects`, target);
  return parseSecureUrl(target.href, ctx.policy, 'redirect URL');
}

interface WrapContext {
  url: URL;
  redirected: boolean;
  method: string;
  limit: number;
  deadline: Deadline;
  init: RequestInit;
}

/** A standard (global) Response whose body is capped and whose deadline keeps running. */
function wrapResponse(upstream: UndiciResponse, ctx: WrapContext): Response {
  const what = `The response from ${describeUrl(ctx.url)}`;
  const init: ResponseInit = { status: upstream.status, statusText: upstream.statusText, headers: [...upstream.headers] };
  let body: ReadableStream<Uint8Array> | null = null;
  if (upstream.body === null || NULL_BODY_STATUSES.has(upstream.status) || ctx.method === 'HEAD') {
    ctx.deadline.clear();
    void upstream.body?.cancel().catch(() => undefined);
  } else {
    const declared = Number(upstream.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > ctx.limit) {
      ctx.deadline.clear();
      void upstream.body.cancel().catch(() => undefined);
      throw tooLarge(what, ctx.limit);
    }
    body = capBody(upstream.body as ReadableStream<Uint8Array>, ctx.limit, what, ctx.deadline, (cause) =>
      mapFetchError(cause, ctx.url, ctx.deadline, ctx.init.signal),
    );
  }
  const response = new Response(body, init);
  Object.defineProperty(response, 'url', { value: ctx.url.href });
  Object.defineProperty(response, 'redirected', { value: ctx.redirected });
  return response;
}

/** Maps whatever undici threw to a LatchkeyError that names the URL (or the caller's abort reason). */
function mapFetchError(cause: unknown, url: URL, deadline: Deadline, outer?: AbortSignal | null): unknown {
  if (deadline.timedOut) return deadline.signal.reason as unknown;
  if (outer?.aborted) return outer.reason as unknown;
  const inner = findLatchkeyError(cause);
  if (inner !== undefined) {
    if (inner.message.includes(describeUrl(url))) return inner;
    const verb = inner.code === ErrorCode.BlockedAddress ? 'Refused to fetch' : 'Could not fetch';
    return new LatchkeyError(inner.code, `${verb} ${describeUrl(url)}: ${inner.message}`, {
      hint: inner.hint,
      details: { ...inner.details, url: describeUrl(url) },
      cause: inner,
    });
  }
  const code = findErrorCode(cause) ?? innermostMessage(cause);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new LatchkeyError(ErrorCode.Timeout, `Could not connect to ${url.host} in time.`, {
      hint: 'The server is not responding; check the URL and your network.',
      details: { url: describeUrl(url) },
      cause,
    });
  }
  return new LatchkeyError(ErrorCode.Unreachable, `Could not fetch ${describeUrl(url)}${code ? ` (${code})` : ''}.`, {
    hint: 'Check the URL and your network connection, then try again.',
    details: { url: describeUrl(url), ...(code ? { cause: code } : {}) },
    cause,
  });
}

function findLatchkeyError(error: unknown): LatchkeyError | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth += 1) {
    if (e instanceof LatchkeyError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function findErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(error: unknown): string | undefined {
  let message: string | undefined;
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth += 1) {
    message = e.message;
    e = e.cause;
  }
  return message === undefined ? undefined : message.slice(0, 80);
}

/** The URL as shown in messages and logs: origin and path, never a query (which may hold secrets). */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
