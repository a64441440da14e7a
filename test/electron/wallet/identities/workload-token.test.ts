/**
 * R6: a workload identity's platform token is read from its source at every read (a rotated file
 * is picked up), and a missing, empty, unreadable or non-JWT source is
 * identity.workload_token_unavailable naming the source, never holding what it read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { createWorkloadTokenReader, describeWorkloadSource, processWorkloadTokenReader } from '../../../../electron/wallet/identities/workload-token.js';

const JWT_A = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
const JWT_B = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiIn0.c2ln';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'latchkey-workload-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(read: Promise<string>): Promise<LatchkeyError> {
  const error = await read.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(LatchkeyError);
  expect((error as LatchkeyError).code).toBe(ErrorCode.WorkloadTokenUnavailable);
  return error as LatchkeyError;
}

describe('R6: reading a workload token from its source', () => {
  it('R6: a token file is read again at every read, trimmed, so a rotated token is picked up', async () => {
    const file = path.join(dir, 'token');
    const reader = processWorkloadTokenReader();
    await writeFile(file, `${JWT_A}\n`);
    expect(await reader.read({ kind: 'file', path: file })).toBe(JWT_A);
    await writeFile(file, JWT_B);
    expect(await reader.read({ kind: 'file', path: file })).toBe(JWT_B);
  });

  it('R6: an environment variable of the wallet’s process is read by name', async () => {
    const reader = createWorkloadTokenReader({ readFile: () => Promise.reject(new Error('no files here')), env: { CI_TOKEN: JWT_A } });
    expect(await reader.read({ kind: 'env', name: 'CI_TOKEN' })).toBe(JWT_A);
  });

  it('R6: a missing file, an unset or empty variable and a value that is not a JWT are each refused, naming the source only', async () => {
    const reader = createWorkloadTokenReader({ readFile: (file) => import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')), env: { EMPTY: '  ', JUNK: 'not-a-jwt-secret-value' } });
    const missing = await failure(reader.read({ kind: 'file', path: path.join(dir, 'absent') }));
    expect(missing.message).toContain('does not exist');
    expect(missing.details['source']).toBe(`file ${path.join(dir, 'absent')}`);
    expect((await failure(reader.read({ kind: 'env', name: 'UNSET_VARIABLE' }))).message).toContain('is not set');
    expect((await failure(reader.read({ kind: 'env', name: 'EMPTY' }))).message).toContain('is empty');
    const junk = await failure(reader.read({ kind: 'env', name: 'JUNK' }));
    expect(junk.message).toContain('does not hold a JWT');
    expect(JSON.stringify(junk.toJSON())).not.toContain('not-a-jwt-secret-value');
    expect(junk.hint).toContain('wallet');
  });

  it('R6: a file the wallet may not read is refused with its error code', async () => {
    const reader = createWorkloadTokenReader({ readFile: () => Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })), env: {} });
    expect((await failure(reader.read({ kind: 'file', path: '/var/run/token' }))).message).toContain('EACCES');
  });

  it('R6, T44: the owner sees where the token is, never the token', () => {
    expect(describeWorkloadSource({ kind: 'file', path: '/run/token' })).toBe('file /run/token');
    expect(describeWorkloadSource({ kind: 'env', name: 'CI_TOKEN' })).toBe('environment variable CI_TOKEN');
  });
});
