/**
 * A workload identity's platform token (protocol.md R6), read from where the owner pointed the
 * agent at every grant, because platforms rotate them: a file, or an environment variable of the
 * process that runs the wallet (the daemon or the host, not the agent's). The wallet keeps the
 * source, never the token; the token is never logged or put into an error. A missing, empty,
 * unreadable or non-JWT source is `identity.workload_token_unavailable`, naming the source.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { WorkloadTokenSource } from '../oauth/client-credentials.js';

/** Platform tokens are a few KiB at most; anything far larger is not one. */
const MAX_TOKEN_BYTES = 64 * 1024;
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface WorkloadTokenReader {
  read(source: WorkloadTokenSource): Promise<string>;
}

export interface WorkloadTokenReaderDeps {
  readFile: (path: string) => Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
}

/** What the owner sees of a source: the file's path or the variable's name. */
export function describeWorkloadSource(source: WorkloadTokenSource): string {
  return source.kind === 'file' ? `file ${source.path}` : `environment variable ${source.name}`;
}

export function createWorkloadTokenReader(deps: WorkloadTokenReaderDeps): WorkloadTokenReader {
  return {
    read: async (source) => {
      const raw = source.kind === 'file' ? await readTokenFile(deps, source.path) : deps.env[source.name];
      const token = raw?.trim() ?? '';
      if (token === '') throw unavailable(source, source.kind === 'env' && raw === undefined ? 'is not set in the wallet’s process' : 'is empty');
      if (token.length > MAX_TOKEN_BYTES || !COMPACT_JWT.test(token)) throw unavailable(source, 'does not hold a JWT');
      return token;
    },
  };
}

/** The reader the wallet uses: the file system and its own process' environment. */
export function processWorkloadTokenReader(): WorkloadTokenReader {
  return createWorkloadTokenReader({ readFile: (path) => readFile(path, 'utf8'), env: process.env });
}

async function readTokenFile(deps: WorkloadTokenReaderDeps, path: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (error) {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'unreadable';
    throw unavailable({ kind: 'file', path }, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`, error);
  }
}

function unavailable(source: WorkloadTokenSource, why: string, cause?: unknown): LatchkeyError {
  const where = describeWorkloadSource(source);
  return new LatchkeyError(ErrorCode.WorkloadTokenUnavailable, `The agent's workload token source, ${where}, ${why}.`, {
    hint:
      source.kind === 'file'
        ? 'Check that the platform writes its token to that file and that the wallet (daemon or host) may read it.'
        : 'The variable is read in the process that runs the wallet (the daemon or the host), not in the agent’s: set it there, or point the agent at a token file.',
    details: { source: where },
    ...(cause === undefined ? {} : { cause }),
  });
}
