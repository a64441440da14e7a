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

/**
 * In-page JavaScript for a drive-by page (it needs an `<iframe name="sink">`): an expression whose
 * promise submits a text/plain form POST to `actionExpression` (evaluated in the page) and resolves
 * 'submitted' once the frame has loaded the answer. The body reads as the JSON object `fields` plus
 * an "x" member (`{"…":"…","x":"="}`), the classic way a form forges a JSON request.
 */
export function formPostScript(actionExpression: string, fields: Record<string, string>): string {
  const name = `${JSON.stringify(fields).slice(0, -1)},"x":"`;
  return `new Promise((resolve) => {
    const frame = document.querySelector('iframe');
    frame.addEventListener('load', () => resolve('submitted'), { once: true });
    const form = document.createElement('form');
    form.method = 'POST';
    form.enctype = 'text/plain';
    form.target = 'sink';
    form.action = ${actionExpression};
    const input = document.createElement('input');
    input.name = ${JSON.stringify(name)};
    input.value = '"}';
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  })`;
}
