/**
 * The bridge's request pipeline (docs/protocol.md "The bridge", threats T10–T15). In order,
 * each step refusing with problem+json and reporting the refusal to the handler:
 *   framing and size → Host → Origin → OPTIONS → bridge header → route (enrolment: Unix socket
 *   only, T32) → content type → bearer secret → rate limit → body (size, UTF-8, JSON, strict
 *   schema) → enrolment: the peer process (another OS user refused) → handler.
 * Only a request that passed every step reaches the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  DelegateRequest,
  DelegateResponse,
  DpopProofRequest,
  DpopProofResponse,
  ElicitationRequest,
  ElicitationResponse,
  EnrolRequest,
  EnrolResponse,
  PendingApprovalsResponse,
  TokenRequest,
  WhoamiResponse,
} from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { readJsonBody, sendJson, type ReadJsonBodyOptions } from '../../base/net/http-json.js';
import type { Logger } from '../../base/ports.js';
import {
  checkBridgeHeader,
  checkFraming,
  checkHost,
  checkJsonContentType,
  checkNoBody,
  checkOrigin,
  readBearer,
  type Listener,
} from './checks.js';
import type { BridgeCaller, BridgeHandler, CallerPresence } from './handler.js';
import type { BridgeLimits, RateLimiter } from './limits.js';
import { isForeignPeer, requesterOf, type EnrolRequester, type PeerIdentifier } from './peer.js';
import { problemFromError, refusalProblem } from './problems.js';
import { sendProblem, tokenAnswer, type SendOptions } from './responses.js';

export interface PipelineDeps {
  handler: BridgeHandler;
  limits: BridgeLimits;
  limiter: RateLimiter;
  logger: Logger;
  /** Who holds the other end of a Unix socket connection (enrolment only, T32). */
  peers: PeerIdentifier;
  /** Our uid: an enrolling peer known to run as another user is refused. */
  ownUid: number | undefined;
}

interface RouteContext {
  caller: BridgeCaller | undefined;
  /** The caller's presence; its signal is made when a route reads it (one that waits). */
  presence: CallerPresence;
  /** The enrolling process (socket-only routes). */
  requester: EnrolRequester | undefined;
}

/** What a route does once its request passed every check (a POST's body bound to it). */
type Run = (handler: BridgeHandler, context: RouteContext) => Promise<unknown>;

interface RouteBase {
  /** False only for enrolment: the one request an unknown caller may make. */
  authenticated: boolean;
  /** Enrolment: only on the Unix socket, whose peer the OS can name (T32); refused on TCP. */
  socketOnly?: boolean;
}

interface GetRoute extends RouteBase {
  method: 'GET';
  run: Run;
}

interface PostRoute extends RouteBase {
  method: 'POST';
  /** Reads the JSON body with the route's strict schema, once: the run with it, or undefined when it does not fit. */
  accept(body: unknown): Run | undefined;
}

type Route = GetRoute | PostRoute;

/** A POST route's body, parsed once by its strict schema and handed to `run` as the schema's type. */
function withBody<T>(schema: z.ZodType<T>, run: (handler: BridgeHandler, context: RouteContext, body: T) => Promise<unknown>): PostRoute['accept'] {
  return (value) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) return undefined;
    const body = parsed.data;
    return (handler, context) => run(handler, context, body);
  };
}

/** Exact paths, no query strings, no normalisation (T14). */
const ROUTES: Readonly<Record<string, Route>> = {
  '/v1/token': {
    method: 'POST',
    authenticated: true,
    // The hot path: a then(), not an async function (no frame of its own to allocate per hand-out).
    accept: withBody(TokenRequest, (handler, { caller, presence }, body) => handler.token(requireCaller(caller), body, presence).then(tokenAnswer)),
  },
  '/v1/elicitations': {
    method: 'POST',
    authenticated: true,
    accept: withBody(ElicitationRequest, async (handler, { caller, presence }, body) => ElicitationResponse.parse(await handler.elicit(requireCaller(caller), body, presence.signal))),
  },
  '/v1/whoami': {
    method: 'GET',
    authenticated: true,
    run: (handler, { caller }) => Promise.resolve(WhoamiResponse.parse(handler.whoami(requireCaller(caller)))),
  },
  '/v1/approvals/pending': {
    method: 'GET',
    authenticated: true,
    run: (handler, { caller }) => Promise.resolve(PendingApprovalsResponse.parse(handler.pending(requireCaller(caller)))),
  },
  '/v1/sessions/delegate': {
    method: 'POST',
    authenticated: true,
    accept: withBody(DelegateRequest, async (handler, { caller }, body) => {
      if (handler.delegate === undefined) throw new LatchkeyError(ErrorCode.NotFound, 'This wallet does not delegate sessions.');
      return DelegateResponse.parse(await handler.delegate(requireCaller(caller), body));
    }),
  },
  '/v1/dpop-proof': {
    method: 'POST',
    authenticated: true,
    accept: withBody(DpopProofRequest, async (handler, { caller }, body) => {
      if (handler.dpopProof === undefined) throw new LatchkeyError(ErrorCode.NotFound, 'This wallet does not sign DPoP proofs.');
      return DpopProofResponse.parse(await handler.dpopProof(requireCaller(caller), body));
    }),
  },
  '/v1/enrol': {
    method: 'POST',
    authenticated: false,
    socketOnly: true,
    accept: withBody(EnrolRequest, async (handler, { presence, requester }, body) => {
      if (requester === undefined) throw new Error('enrolment needs its requester');
      const enrolled = await handler.enrol(body, presence.signal, requester);
      return EnrolResponse.parse({ agent_id: enrolled.agentId, name: enrolled.name, secret: enrolled.secret });
    }),
  },
};

const ENROL_RATE_KEY = 'enrol';

function requireCaller(caller: BridgeCaller | undefined): BridgeCaller {
  if (caller === undefined) throw new Error('route needs an authenticated caller');
  return caller;
}

class Refusal {
  constructor(
    readonly code: ErrorCode,
    readonly options: SendOptions = {},
    readonly retryAfterSeconds?: number,
  ) {}
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestListener(deps: PipelineDeps, listener: Listener): RequestListener {
  const body: ReadJsonBodyOptions = { maxBytes: deps.limits.maxBodyBytes };
  return (req, res) => {
    handleRequest(deps, listener, body, req, res).catch((error: unknown) => {
      // Only a failure while writing the answer gets here: drop the connection, keep the server.
      deps.logger.error('bridge could not answer a request', { error: describe(error) });
      res.destroy();
    });
  };
}

async function handleRequest(deps: PipelineDeps, listener: Listener, body: ReadJsonBodyOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let agentId: string | undefined;
  try {
    const route = checkHead(deps, listener, req);
    const caller = authenticate(deps, route, req);
    agentId = caller?.agent.id;
    limitRate(deps, caller);
    const run = route.method === 'GET' ? route.run : await readRouteBody(req, body, route);
    if (isClosedUnfinished(res)) return;
    const requester = route.socketOnly === true ? await identifyRequester(deps, req) : undefined;
    if (isClosedUnfinished(res)) return;
    const presence = new ResponsePresence(res);
    const result = await run(deps.handler, { caller, presence, requester });
    sendJson(res, 200, result);
  } catch (error) {
    if (error instanceof Refusal) {
      refuse(deps, listener, res, error, agentId);
      return;
    }
    const problem = problemFromError(error);
    if (problem.code === ErrorCode.Internal) {
      deps.logger.error('bridge request failed', { path: req.url === undefined ? '' : req.url.slice(0, 64), error: describe(error) });
    }
    sendProblem(res, problem);
  }
}

/** Framing, Host, Origin, OPTIONS, bridge header, route, content type: headers only. */
function checkHead(deps: PipelineDeps, listener: Listener, req: IncomingMessage): Route {
  const early = checkFraming(req, deps.limits.maxBodyBytes) ?? checkHost(req, listener) ?? checkOrigin(req);
  if (early !== undefined) throw new Refusal(early);
  if (req.method === 'OPTIONS') throw new Refusal(ErrorCode.MethodNotAllowed);
  const header = checkBridgeHeader(req);
  if (header !== undefined) throw new Refusal(header);
  const route = Object.hasOwn(ROUTES, req.url ?? '') ? ROUTES[req.url ?? ''] : undefined;
  if (route === undefined) throw new Refusal(ErrorCode.NotFound);
  if (route.socketOnly === true && listener.transport !== 'unix') throw new Refusal(ErrorCode.EnrolNeedsSocket);
  if (req.method !== route.method) throw new Refusal(ErrorCode.MethodNotAllowed, { headers: { allow: route.method } });
  const media = route.method === 'GET' ? checkNoBody(req) : checkJsonContentType(req);
  if (media !== undefined) throw new Refusal(media);
  return route;
}

function authenticate(deps: PipelineDeps, route: Route, req: IncomingMessage): BridgeCaller | undefined {
  if (!route.authenticated) return undefined;
  const secret = readBearer(req);
  const caller = secret === undefined ? undefined : deps.handler.authenticate(secret);
  if (caller === undefined) {
    throw new Refusal(ErrorCode.Unauthenticated, { headers: { 'www-authenticate': 'Bearer realm="latchkey"' } });
  }
  return caller;
}

/** The enrolling process; one known to run as another OS user is refused (T32). */
async function identifyRequester(deps: PipelineDeps, req: IncomingMessage): Promise<EnrolRequester> {
  const identity = await deps.peers.identify(req.socket);
  if (isForeignPeer(identity, deps.ownUid)) throw new Refusal(ErrorCode.ForeignPeer);
  return requesterOf(identity);
}

function limitRate(deps: PipelineDeps, caller: BridgeCaller | undefined): void {
  const decision = deps.limiter.take(caller === undefined ? ENROL_RATE_KEY : `agent:${caller.agent.id}`);
  if (!decision.allowed) throw new Refusal(ErrorCode.RateLimited, {}, decision.retryAfterSeconds);
}

function refuse(deps: PipelineDeps, listener: Listener, res: ServerResponse, refusal: Refusal, agentId: string | undefined): void {
  const problem = refusalProblem(refusal.code, refusal.retryAfterSeconds);
  // The body may be unread (or endless): answer and close rather than drain it.
  sendProblem(res, problem, { ...refusal.options, close: true });
  reportRejection(deps, { code: refusal.code, status: problem.status, transport: listener.transport, agentId });
}

/** Tells the handler (the audit) about a refusal; a failing hook never breaks the answer. */
export function reportRejection(
  deps: Pick<PipelineDeps, 'handler' | 'logger'>,
  rejection: { code: ErrorCode; status: number; transport: Listener['transport']; agentId?: string | undefined },
): void {
  deps.logger.debug('bridge refused a request', { code: rejection.code, status: rejection.status, transport: rejection.transport });
  try {
    deps.handler.rejected({
      code: rejection.code,
      status: rejection.status,
      transport: rejection.transport,
      ...(rejection.agentId === undefined ? {} : { agentId: rejection.agentId }),
    });
  } catch (error) {
    deps.logger.error('bridge rejection hook failed', { error: describe(error) });
  }
}

/**
 * The caller went away before its answer was sent: the response closed unfinished. Its signal is
 * made on first read (aborted already if the caller is gone by then), then aborts on that close.
 */
class ResponsePresence implements CallerPresence {
  private made: AbortSignal | undefined;

  constructor(private readonly res: ServerResponse) {}

  get signal(): AbortSignal {
    this.made ??= this.abortOnClose();
    return this.made;
  }

  private abortOnClose(): AbortSignal {
    const { res } = this;
    if (isClosedUnfinished(res)) return AbortSignal.abort();
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    return controller.signal;
  }
}

/** Node marks a response destroyed once its connection closes (or it is destroyed). */
function isClosedUnfinished(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}

/** Reads the body under the size cap, then the route's strict schema; every failure is a refusal. */
function readRouteBody(req: IncomingMessage, body: ReadJsonBodyOptions, route: PostRoute): Promise<Run> {
  return readJsonBody(req, body).then(
    (value) => {
      const run = route.accept(value);
      if (run === undefined) throw new Refusal(ErrorCode.InvalidInput);
      return run;
    },
    (error: unknown) => {
      throw new Refusal(isLatchkeyError(error) ? error.code : ErrorCode.MalformedRequest);
    },
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return typeof error;
}
