/**
 * The agent-facing bridge server (docs/protocol.md "The bridge", threats T10–T15): one
 * node:http server on a Unix socket (0600, in a 0700 directory of the current user) and one on
 * 127.0.0.1 with an ephemeral port, never a wildcard address. Both run the same pipeline
 * (pipeline.ts). A discovery file in the runtime directory says where they are.
 */
import type { Server } from 'node:http';
import { nodeHttp } from '../../base/net/node-http.js';
import type { AddressInfo, Socket } from 'node:net';
import type { BridgeDiscovery } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { silentLogger } from '../../base/log/logger.js';
import { DEFAULT_ATTRIBUTE_ABOVE, DEFAULT_PER_FOREIGN_USER, guardTcpServer, type ConnectionGuard } from '../../base/net/connection-guard.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import type { Listener, Transport } from './checks.js';
import { removeBridgeDiscovery, writeBridgeDiscovery } from '../../base/runtime/discovery.js';
import { createPeerIdentifier } from './linux-peer.js';
import type { PeerIdentifier } from './peer.js';
import type { BridgeHandler } from './handler.js';
import { RateLimiter, resolveLimits, type BridgeLimits } from './limits.js';
import { createRequestListener, reportRejection, type PipelineDeps } from './pipeline.js';
import { refusalProblem } from './problems.js';
import { writeRawProblem } from './responses.js';
import {
  assertSameDirectory,
  bridgeSocketPath,
  clearStaleSocket,
  prepareRuntimeDir,
  removeIfPresent,
  secureSocketFile,
} from '../../base/runtime/runtime-dir.js';

export interface BridgeServerOptions {
  handler: BridgeHandler;
  /** e.g. $XDG_RUNTIME_DIR/latchkey (see defaultRuntimeDir). Created 0700; refused if unsafe. */
  runtimeDir: string;
  /** Listen on 127.0.0.1 (default true). */
  tcp?: boolean;
  /** Listen on <runtimeDir>/bridge.sock (default true; skipped when the path is too long). */
  socket?: boolean;
  limits?: Partial<BridgeLimits>;
  clock?: Clock;
  logger?: Logger;
  /** Who is at the other end of the socket, for enrolment (T32). Default: the platform's (createPeerIdentifier). */
  peers?: PeerIdentifier;
  /** Our uid, which an enrolling peer must share. Default process.getuid(). */
  ownUid?: number;
  /** How long an enrolment waits for the owner; published in the discovery file for `latchkey enrol`. */
  approvalTimeoutMs?: number;
}

export interface BridgeServer {
  readonly socketPath?: string;
  /** http://127.0.0.1:<port> (TCP only). */
  readonly url?: string;
  readonly discovery: BridgeDiscovery;
  readonly limits: BridgeLimits;
  /** Per-user caps on the TCP port (T35): its shed counter and events. Undefined without TCP or off Linux. */
  readonly connectionGuard: ConnectionGuard | undefined;
  /** Every listener still accepts connections (false once closing, or if one stopped). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const deps: PipelineDeps = {
    handler: options.handler,
    limits,
    limiter: new RateLimiter(limits.ratePerSecond, limits.rateBurst, clock),
    logger,
    peers: options.peers ?? createPeerIdentifier(process.platform, { logger }),
    ownUid: options.ownUid ?? process.getuid?.(),
  };
  const dirInfo = await prepareRuntimeDir(options.runtimeDir);
  const wantSocket = options.socket ?? true;
  const socketPath = wantSocket ? bridgeSocketPath(options.runtimeDir) : undefined;
  if (wantSocket && socketPath === undefined) logger.warn('bridge socket path too long; serving on TCP only', { dir: options.runtimeDir });
  const wantTcp = options.tcp ?? true;
  if (!wantTcp && socketPath === undefined) {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'The bridge needs a Unix socket or TCP; neither is available.', {
      hint: 'Enable TCP, or use a shorter LATCHKEY_RUNTIME_DIR.',
    });
  }

  const servers: Server[] = [];
  try {
    let unixServer: Server | undefined;
    if (socketPath !== undefined) {
      await clearStaleSocket(socketPath);
      unixServer = createBridgeHttpServer(deps, { transport: 'unix' });
      servers.push(unixServer);
      await listen(unixServer, { path: socketPath });
      // Only this user can reach the socket even before the chmod: its directory is 0700 and ours.
      await secureSocketFile(socketPath);
      await assertSameDirectory(options.runtimeDir, dirInfo);
    }
    let url: string | undefined;
    let connectionGuard: ConnectionGuard | undefined;
    if (wantTcp) {
      const listener: Listener = { transport: 'tcp' };
      const tcpServer = createBridgeHttpServer(deps, listener);
      // Other local users may hold a few connections each, never the listener (T35).
      connectionGuard = guardTcpServer(tcpServer, { name: 'bridge', perForeignUser: DEFAULT_PER_FOREIGN_USER, attributeAbove: DEFAULT_ATTRIBUTE_ABOVE, maxConnections: limits.maxConnections, logger, clock });
      servers.push(tcpServer);
      await listen(tcpServer, { host: '127.0.0.1', port: 0 });
      listener.port = (tcpServer.address() as AddressInfo).port;
      url = `http://127.0.0.1:${listener.port}`;
    }
    const discovery: BridgeDiscovery = {
      version: 1,
      pid: process.pid,
      ...(socketPath === undefined ? {} : { socket: socketPath }),
      url: url ?? '',
      startedAt: clock.now(),
      ...(options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs }),
    };
    await writeBridgeDiscovery(options.runtimeDir, discovery);
    logger.info('bridge listening', { socket: socketPath ?? 'none', url: url ?? 'none' });
    return new RunningBridge(options.runtimeDir, servers, discovery, limits, socketPath, url, connectionGuard);
  } catch (error) {
    await closeServers(servers);
    if (socketPath !== undefined && servers.length > 0) await removeIfPresent(socketPath);
    throw error;
  }
}

class RunningBridge implements BridgeServer {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly runtimeDir: string,
    private readonly servers: Server[],
    readonly discovery: BridgeDiscovery,
    readonly limits: BridgeLimits,
    readonly socketPath: string | undefined,
    readonly url: string | undefined,
    readonly connectionGuard: ConnectionGuard | undefined,
  ) {}

  get listening(): boolean {
    return this.closing === undefined && this.servers.every((server) => server.listening);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await closeServers(this.servers);
      if (this.socketPath !== undefined) await removeIfPresent(this.socketPath);
      await removeBridgeDiscovery(this.runtimeDir, this.discovery.pid);
    })();
    return this.closing;
  }
}

function createBridgeHttpServer(deps: PipelineDeps, listener: Listener): Server {
  const { limits } = deps;
  const server = nodeHttp.createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    // The pipeline checks Host itself (absent is fine on the socket, refused on TCP).
    requireHostHeader: false,
    joinDuplicateHeaders: false,
  });
  server.maxConnections = limits.maxConnections;
  server.on('request', createRequestListener(deps, listener));
  server.on('clientError', (error: Error, socket: Socket) => answerParseError(deps, listener.transport, error, socket));
  // No tunnels, no protocol switches: answered on the bare socket and closed.
  server.on('connect', (_req: unknown, socket: Socket) => refuseOnSocket(deps, listener.transport, ErrorCode.MethodNotAllowed, socket));
  server.on('upgrade', (_req: unknown, socket: Socket) => refuseOnSocket(deps, listener.transport, ErrorCode.MalformedRequest, socket));
  return server;
}

/** The HTTP parser refused the request (CL+TE, oversized head, timeout, garbage): say so and close. */
function answerParseError(deps: PipelineDeps, transport: Transport, error: Error, socket: Socket): void {
  const errno = (error as NodeJS.ErrnoException).code ?? '';
  if (errno === 'ECONNRESET' || errno === 'EPIPE' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code =
    errno === 'HPE_HEADER_OVERFLOW'
      ? ErrorCode.HeadersTooLarge
      : errno === 'ERR_HTTP_REQUEST_TIMEOUT' || errno === 'HPE_HEADERS_TIMEOUT'
        ? ErrorCode.Timeout
        : ErrorCode.MalformedRequest;
  refuseOnSocket(deps, transport, code, socket);
}

function refuseOnSocket(deps: PipelineDeps, transport: Transport, code: ErrorCode, socket: Socket): void {
  const problem = refusalProblem(code);
  writeRawProblem(socket, problem);
  reportRejection(deps, { code, status: problem.status, transport });
}

function listen(server: Server, address: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ ...address, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function closeServers(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) {
            resolve();
            return;
          }
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
