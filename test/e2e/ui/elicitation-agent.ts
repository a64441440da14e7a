/**
 * An agent that talks to its MCP server itself and hands the server's URL elicitation to the
 * wallet: POST /v1/elicitations over the bridge's Unix socket, as any agent would. It keeps the
 * raw answer, so a test can check that nothing but the action comes back (never the URL).
 */
import { request } from 'node:http';
import { BRIDGE_HEADER, BRIDGE_HEADER_VALUE, ElicitationResponse, type ElicitationRequest } from '../../../shared/bridge.js';

export interface ElicitationAnswer {
  status: number;
  /** The body exactly as received. */
  raw: string;
  /** The parsed action on a 200. */
  action?: ElicitationResponse['action'];
}

/** Posts one elicitation; resolves with the answer, or rejects when `signal` withdraws it. */
export function postElicitation(socketPath: string, secret: string, body: ElicitationRequest, signal?: AbortSignal): Promise<ElicitationAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        socketPath,
        method: 'POST',
        path: '/v1/elicitations',
        headers: {
          [BRIDGE_HEADER]: BRIDGE_HEADER_VALUE,
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
        ...(signal === undefined ? {} : { signal }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          resolve(status === 200 ? { status, raw, action: ElicitationResponse.parse(JSON.parse(raw)).action } : { status, raw });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
