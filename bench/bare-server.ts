/**
 * The baseline: a bare node:http server that reads the request body and answers a fixed JSON body
 * of the same size and headers as the bridge's token answer. No checks, no work: what "serving
 * HTTP on this machine" costs, measured with the same client in the same run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareServer {
  socketPath?: string;
  url?: string;
  close(): Promise<void>;
}

export async function startBareServer(payload: string, where: { socketPath: string } | { tcp: true }): Promise<BareServer> {
  const length = String(Buffer.byteLength(payload));
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.once('end', () => {
      res.writeHead(200, {
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-type': 'application/json; charset=utf-8',
        'content-length': length,
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('socketPath' in where) server.listen(where.socketPath, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const close = (): Promise<void> => closeServer(server);
  if ('socketPath' in where) return { socketPath: where.socketPath, close };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
