/** A loopback HTTP server that answers every request with one HTML page: another origin for browser tests. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  readonly port: number;
  /** The paths asked for, in order. */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

/** Serves `html` on 127.0.0.1 (reachable as localhost too) at a free port. */
export async function servePage(html: string): Promise<PageServer> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
