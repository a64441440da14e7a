import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { MemorySecretStore } from '../../../fakes/memory-secret-store.js';
import { expectCode } from './expect-code.js';
import { createLogCollector, createTempDirs } from './temp-dirs.js';

const dirs = createTempDirs();
afterAll(() => dirs.removeAll());

const VERSION_OFFSET = 3; // "LKV" | version | header length | header | ciphertext | tag
const HEADER_OFFSET = 8;

describe('vault file: tamper and truncation detection (T25)', () => {
  let dir: string;
  const store = new MemorySecretStore();
  let current: Buffer;
  let previous: Buffer;

  beforeAll(async () => {
    dir = dirs.make();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.secret = 'generation two';
    });
    await vault.update((doc) => {
      doc.secret = 'generation three';
    });
    await vault.close();
    current = readFileSync(join(dir, 'vault.enc'));
    previous = readFileSync(join(dir, 'vault.enc.prev'));
  });

  const openWith = async (bytes: Buffer) => {
    writeFileSync(join(dir, 'vault.enc'), bytes, { mode: 0o600 });
    return openVault({ dir, mode: 'keychain', secretStore: store });
  };

  it('V6: a flipped byte anywhere in the file is VaultCorrupt (the version byte may read as a newer format); never opened', async () => {
    for (let offset = 0; offset < current.length; offset += 1) {
      const tampered = Buffer.from(current);
      tampered[offset] = (tampered[offset] ?? 0) ^ 0x5a;
      const allowed = offset === VERSION_OFFSET ? [ErrorCode.VaultCorrupt, ErrorCode.VaultNewerFormat] : [ErrorCode.VaultCorrupt];
      await expectCode(openWith(tampered), ...allowed).catch((error: unknown) => {
        throw new Error(`offset ${offset}: ${String(error)}`);
      });
    }
  });

  it('V6: every truncation, and an appended byte, is VaultCorrupt', async () => {
    for (let length = 0; length < current.length; length += 1) {
      await expectCode(openWith(current.subarray(0, length)), ErrorCode.VaultCorrupt).catch((error: unknown) => {
        throw new Error(`length ${length}: ${String(error)}`);
      });
    }
    await expectCode(openWith(Buffer.concat([current, Buffer.from([0])])), ErrorCode.VaultCorrupt);
  });

  it('V6: a header swapped in from the previous generation is VaultCorrupt (the header is authenticated)', async () => {
    const headerEnd = (bytes: Buffer) => HEADER_OFFSET + bytes.readUInt32BE(4);
    const swapped = Buffer.concat([previous.subarray(0, headerEnd(previous)), current.subarray(headerEnd(current))]);
    await expectCode(openWith(swapped), ErrorCode.VaultCorrupt);
    // Same key, nonce and key check, only the generation raised: still caught.
    const header = JSON.parse(current.subarray(HEADER_OFFSET, headerEnd(current)).toString('utf8')) as { generation: number };
    const raised = Buffer.from(JSON.stringify({ ...header, generation: header.generation + 1 }).padEnd(current.readUInt32BE(4)));
    expect(raised.length).toBe(current.readUInt32BE(4));
    await expectCode(openWith(Buffer.concat([current.subarray(0, HEADER_OFFSET), raised, current.subarray(headerEnd(current))])), ErrorCode.VaultCorrupt);
  });

  it('V6: a newer format version is VaultNewerFormat, asking for an upgrade', async () => {
    const newer = Buffer.from(current);
    newer[VERSION_OFFSET] = 2;
    const error = await expectCode(openWith(newer), ErrorCode.VaultNewerFormat);
    expect(error.hint).toMatch(/Upgrade/);
  });

  it('V6: policy — a corrupt current file is never silently reset or rolled back; the error points to the intact previous generation', async () => {
    const tampered = Buffer.from(current);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const error = await expectCode(openWith(tampered), ErrorCode.VaultCorrupt);
    expect(error.hint).toMatch(/previous generation \(2\) is intact/);
    expect(readFileSync(join(dir, 'vault.enc'))).toEqual(tampered); // nothing rewritten
    expect(readFileSync(join(dir, 'vault.enc.prev'))).toEqual(previous);
  });

  it('V6: with recovery "use-previous" it reopens generation n-1 with a warning and keeps the damaged file aside', async () => {
    const tampered = Buffer.from(current);
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    writeFileSync(join(dir, 'vault.enc'), tampered, { mode: 0o600 });
    const { lines, logger } = createLogCollector();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store, recovery: 'use-previous', logger });
    expect(vault.generation).toBe(2);
    expect(vault.read()).toEqual({ secret: 'generation two' });
    expect(vault.warning).toMatch(/previous generation \(2\)/);
    expect(lines.some((line) => line.includes('corrupt'))).toBe(true);
    const aside = readdirSync(dir).filter((name) => name.startsWith('vault.enc.corrupt-'));
    expect(aside).toHaveLength(1);
    await vault.update((doc) => {
      doc.secret = 'generation three again';
    });
    expect(vault.generation).toBe(3);
    await vault.close();
  });

  it('V6: a missing current file next to a previous generation is VaultCorrupt, not a fresh vault', async () => {
    const lonely = dirs.make();
    const vault = await openVault({ dir: lonely, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.a = 1;
    });
    await vault.close();
    unlinkSync(join(lonely, 'vault.enc'));
    await expectCode(openVault({ dir: lonely, mode: 'keychain', secretStore: store }), ErrorCode.VaultCorrupt);
  });

  it('V6: a keychain key that does not belong to the vault is VaultCorrupt, and the file is left alone', async () => {
    const other = dirs.make();
    const own = new MemorySecretStore();
    const vault = await openVault({ dir: other, mode: 'keychain', secretStore: own });
    await vault.close();
    const before = readFileSync(join(other, 'vault.enc'));
    for (const key of own.entries.keys()) own.entries.set(key, Buffer.alloc(32, 7).toString('base64'));
    const error = await expectCode(openVault({ dir: other, mode: 'keychain', secretStore: own }), ErrorCode.VaultCorrupt);
    expect(error.message).toMatch(/does not belong/);
    expect(readFileSync(join(other, 'vault.enc'))).toEqual(before);
  });
});
