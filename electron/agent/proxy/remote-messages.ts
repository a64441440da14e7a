/**
 * Reading the URL-bearing parts of JSON-RPC messages for the elicitation interceptor: the pages a
 * -32042 error names, url-mode `elicitation/create` params, and the agent's answer when a server
 * asks in a form Latchkey cannot read. Nothing here keeps or logs a URL.
 */
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { UrlPage } from './url-elicitations.js';

/** JSON-RPC error code of "URL elicitation required" (2025-11-25). */
export const URL_ELICITATION_REQUIRED = -32042;

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function idOf(value: unknown): RequestId | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** The page of url-mode elicitation params (elicitation/create, or an entry of a -32042 error). */
export function pageOf(params: Json): UrlPage | undefined {
  if (params['mode'] !== 'url' || typeof params['url'] !== 'string') return undefined;
  const message = typeof params['message'] === 'string' ? params['message'] : '';
  const elicitationId = params['elicitationId'];
  return { url: params['url'], message, ...(typeof elicitationId === 'string' ? { elicitationId } : {}) };
}

/** The -32042 error of a response, or undefined. */
export function requiredErrorOf(record: Json): Json | undefined {
  const error = record['error'];
  return isObject(error) && error['code'] === URL_ELICITATION_REQUIRED ? error : undefined;
}

/** The readable pages of a -32042 error's `data.elicitations`. */
export function requiredPages(error: Json): UrlPage[] {
  const data = error['data'];
  const list = isObject(data) && Array.isArray(data['elicitations']) ? (data['elicitations'] as unknown[]) : [];
  return list.flatMap((entry) => {
    const page = isObject(entry) ? pageOf(entry) : undefined;
    return page === undefined ? [] : [page];
  });
}

/** A server request `elicitation/create` in url mode (with or without an id). */
export function isUrlCreate(record: Json): record is Json & { params: Json } {
  return record['method'] === 'elicitation/create' && isObject(record['params']) && record['params']['mode'] === 'url';
}

export function unreadable(origin: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.BadResponse, `The MCP server at ${origin} asked for a page to be opened in a form Latchkey cannot read.`, {
    hint: 'Run with --verbose to see details.',
  });
}
