/**
 * What went wrong talking to the remote MCP server, as a LatchkeyError with a stable code, and
 * whether the remote is gone (the proxy then closes) or the failure concerns one message.
 */
import { ErrorCode, isLatchkeyError, LatchkeyError } from '../../../shared/errors.js';

export interface RemoteFailure {
  error: LatchkeyError;
  /** The remote ended our session or cannot be reached: nothing more will get through. */
  fatal: boolean;
}

/** JSON-RPC error code for a request the proxy could not deliver (the SDK's "connection closed" range). */
export const PROXY_ERROR_CODE = -32000;

export function describeRemoteFailure(error: unknown, origin: string, hadSession: boolean): RemoteFailure {
  if (isLatchkeyError(error)) return { error, fatal: false };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    if (status === 404 && hadSession) {
      return {
        error: new LatchkeyError(ErrorCode.RemoteSessionEnded, `The MCP server at ${origin} ended the session.`, {
          hint: 'Restart the MCP client (or reconnect the server in it) to start a new session.',
          details: { status },
        }),
        fatal: true,
      };
    }
    return {
      error: new LatchkeyError(ErrorCode.RemoteRejected, `The MCP server at ${origin} refused the message (HTTP ${status}).`, {
        hint: rejectionHint(status),
        details: { status },
      }),
      fatal: false,
    };
  }
  if (isNetworkError(error)) {
    return {
      error: new LatchkeyError(ErrorCode.Unreachable, `The MCP server at ${origin} cannot be reached.`, {
        hint: 'Check the URL and that the server is running; then restart the MCP client.',
      }),
      fatal: true,
    };
  }
  return {
    error: new LatchkeyError(ErrorCode.BadResponse, `The MCP server at ${origin} sent something Latchkey cannot pass on.`, {
      hint: 'Run with --verbose to see details.',
      cause: error,
    }),
    fatal: false,
  };
}

/**
 * The HTTP status of a transport's refusal: an error with a numeric `status` (the proxy's
 * transport's RemoteHttpError, and the MCP SDK's SdkHttpError, which era tests use too).
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || isLatchkeyError(error)) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

function rejectionHint(status: number): string {
  if (status === 401) return 'The server did not accept a fresh token either: check the connection with "latchkey connections" (as the owner).';
  if (status === 403) return 'The token lacks a permission the server wants: ask the owner to widen the grant ("latchkey whoami" shows it).';
  return 'Run with --verbose to see details.';
}

/** undici's "fetch failed" TypeError, or a socket error code, as opposed to an HTTP answer. */
function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)$/.test(code)) {
    return true;
  }
  return error instanceof TypeError && error.message === 'fetch failed';
}
