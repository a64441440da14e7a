import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { createLogger } from '../../../../electron/base/log/logger.js';
import { MEMORY_VAULT_WARNING, openVault } from '../../../../electron/wallet/vault/index.js';
import { parseVaultFile } from '../../../../electron/wallet/vault/format.js';
import { MemorySecretStore } from '../../../fakes/memory-secret-store.js';
import { expectCode } from './expect-code.js';
import { createLogCollector, createTempDirs } from './temp-dirs.js';

const dirs = createTempDirs();
afterAll(() => dirs.removeAll());

describe('vault: documents and generations', () => {
  it('round-trips a JSON document across processes-worth of reopen, bumping the generation', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(vault.generation).toBe(1);
    expect(vault.read()).toEqual({});
    await vault.update((doc) => {
      doc.connections = { a: { refreshToken: 'r1' } };
    });
    await vault.update((doc) => ({ ...doc, other: [1, 2, 3] }));
    expect(vault.generation).toBe(3);
    expect(Object.isFrozen(vault.read())).toBe(true);
    await vault.close();

    const again = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(again.read()).toEqual({ connections: { a: { refreshToken: 'r1' } }, other: [1, 2, 3] });
    expect(again.generation).toBe(3);
    expect(again.backend).toBe('memory (test)');
    expect(again.warning).toBeUndefined();
    await again.close();
  });

  it('serialises concurrent updates: none is lost', async () => {
    const vault = await openVault({ dir: dirs.make(), mode: 'keychain', secretStore: new MemorySecretStore() });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        vault.update((doc) => {
          doc.count = (typeof doc.count === 'number' ? doc.count : 0) + 1;
          doc[`k${i}`] = i;
        }),
      ),
    );
    expect(vault.read().count).toBe(20);
    expect(vault.generation).toBe(21);
    await vault.close();
  });

  it('updates queued together go to disk in one write, the generation counting each; a throwing one fails alone', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    const updates = [
      vault.update((doc) => {
        doc['a'] = 1;
      }),
      vault.update(() => {
        throw new Error('boom');
      }),
      vault.update((doc) => {
        doc['b'] = (doc['a'] as number) + 1;
      }),
      vault.update((doc) => ({ ...doc, c: 3 })),
    ];
    const settled = await Promise.allSettled(updates);
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(vault.read()).toEqual({ a: 1, b: 2, c: 3 });
    expect(vault.generation).toBe(4);
    // One file write: the previous generation on disk is the vault as it was before the batch.
    expect(parseVaultFile(readFileSync(join(dir, 'vault.enc'))).header.generation).toBe(4);
    expect(parseVaultFile(readFileSync(join(dir, 'vault.enc.prev'))).header.generation).toBe(1);
    await vault.close();
    const again = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(again.read()).toEqual({ a: 1, b: 2, c: 3 });
    expect(again.generation).toBe(4);
    await again.close();
  });

  it('a throwing mutation changes nothing and does not block later updates', async () => {
    const vault = await openVault({ dir: dirs.make(), mode: 'keychain', secretStore: new MemorySecretStore() });
    await expect(
      vault.update(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(vault.generation).toBe(1);
    await vault.update((doc) => {
      doc.ok = true;
    });
    expect(vault.read()).toEqual({ ok: true });
    await vault.close();
  });

  it('closed vaults refuse reads and writes', async () => {
    const vault = await openVault({ dir: dirs.make(), mode: 'keychain', secretStore: new MemorySecretStore() });
    await vault.close();
    expect(() => vault.read()).toThrow(/closed/);
    await expectCode(vault.update(() => undefined), ErrorCode.VaultClosed);
  });

  it('destroy erases the files and the keychain key', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.x = 1;
    });
    expect(store.entries.size).toBe(1);
    await vault.destroy();
    expect(store.entries.size).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('two data dirs use two different keychain entries', async () => {
    const store = new MemorySecretStore();
    const a = await openVault({ dir: dirs.make(), mode: 'keychain', secretStore: store });
    const b = await openVault({ dir: dirs.make(), mode: 'keychain', secretStore: store });
    expect(store.entries.size).toBe(2);
    await a.close();
    await b.close();
  });
});

describe('vault: no keychain → never plaintext (T24)', () => {
  it('V3: keychain mode with an unavailable keychain fails with KeychainUnavailable, pointing to the alternatives, and writes nothing', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    store.state = 'unavailable';
    const error = await expectCode(openVault({ dir, mode: 'keychain', secretStore: store }), ErrorCode.KeychainUnavailable);
    expect(error.message).toMatch(/D-Bus/);
    expect(error.hint).toMatch(/--vault passphrase/);
    expect(error.hint).toMatch(/--vault memory/);
    expect(error.hint).toMatch(/LATCHKEY_VAULT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('V3: memory mode keeps everything in memory with a visible warning and touches no file', async () => {
    const dir = join(dirs.make(), 'never-created');
    const { lines, logger } = createLogCollector();
    const vault = await openVault({ dir, mode: 'memory', logger });
    expect(vault.warning).toBe(MEMORY_VAULT_WARNING);
    expect(vault.warning).toMatch(/lost when it exits/);
    expect(vault.backend).toBe('memory');
    expect(vault.path).toBe('(memory)');
    expect(lines.some((line) => line.includes('Memory-only vault'))).toBe(true);
    await vault.update((doc) => {
      doc.secret = 's';
    });
    expect(vault.read()).toEqual({ secret: 's' });
    await vault.close();
    expect(() => statSync(dir)).toThrow();
    const fresh = await openVault({ dir, mode: 'memory' });
    expect(fresh.read()).toEqual({});
    await fresh.close();
  });

  it('V3: a locked keychain with an existing vault is KeychainLocked, never a fresh empty vault; the data is intact once unlocked', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.keep = 'me';
    });
    await vault.close();
    const before = await readFile(join(dir, 'vault.enc'));

    store.state = 'locked';
    const error = await expectCode(openVault({ dir, mode: 'keychain', secretStore: store }), ErrorCode.KeychainLocked);
    expect(error.hint).toMatch(/--vault memory/);
    expect(await readFile(join(dir, 'vault.enc'))).toEqual(before);

    store.state = 'ok';
    const reopened = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(reopened.read()).toEqual({ keep: 'me' });
    await reopened.close();
  });

  it('V3: a locked keychain and no vault yet is KeychainLocked (it cannot store a new key)', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    store.state = 'locked';
    await expectCode(openVault({ dir, mode: 'keychain', secretStore: store }), ErrorCode.KeychainLocked);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('V3: passphrase mode is an encrypted file keyed by scrypt; a wrong passphrase is VaultBadPassphrase', async () => {
    const dir = dirs.make();
    const vault = await openVault({ dir, mode: 'passphrase', passphrase: 'correct horse', scryptLogN: 10 });
    expect(vault.backend).toBe('passphrase (scrypt)');
    expect(vault.warning).toMatch(/passphrase/);
    await vault.update((doc) => {
      doc.secret = 'passphrase-protected';
    });
    await vault.close();
    expect(readFileSync(join(dir, 'vault.enc')).includes('passphrase-protected')).toBe(false);

    await expectCode(openVault({ dir, mode: 'passphrase', passphrase: 'wrong horse' }), ErrorCode.VaultBadPassphrase);
    await expectCode(openVault({ dir, mode: 'passphrase' }), ErrorCode.InvalidInput);
    const mismatch = await expectCode(openVault({ dir, mode: 'keychain', secretStore: new MemorySecretStore() }), ErrorCode.VaultModeMismatch);
    expect(mismatch.hint).toMatch(/--vault passphrase/);

    const again = await openVault({ dir, mode: 'passphrase', passphrase: 'correct horse' });
    expect(again.read()).toEqual({ secret: 'passphrase-protected' });
    await again.close();
  });

  it('V3: a keychain vault opened in passphrase mode is a mode mismatch, not a wrong passphrase', async () => {
    const dir = dirs.make();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: new MemorySecretStore() });
    await vault.close();
    const error = await expectCode(openVault({ dir, mode: 'passphrase', passphrase: 'x', scryptLogN: 10 }), ErrorCode.VaultModeMismatch);
    expect(error.hint).toMatch(/--vault keychain/);
  });
});

/** Every encoding in which a secret could leak onto disk. Base64 at all three byte alignments. */
function encodedForms(canary: string): string[] {
  const bytes = Buffer.from(canary, 'utf8');
  const forms = [canary, encodeURIComponent(canary), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let shift = 0; shift < 3; shift += 1) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(encoding);
      forms.push(encoded.slice(4, encoded.length - 4)); // the part that does not depend on neighbours
    }
  }
  return forms;
}

async function filesModifiedSince(root: string, sinceMs: number, out: string[] = []): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    // Installed packages and git objects are never where a vault writes; other checkouts in the temp dir hold hundreds of thousands.
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '.git') await filesModifiedSince(path, sinceMs, out);
    }
    else if (entry.isFile()) {
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && info.mtimeMs >= sinceMs && info.size < 64 * 1024 * 1024) out.push(path);
    }
  }
  return out;
}

describe('vault: secrets at rest (T23)', () => {
  it('V1: a canary token written to the vault appears nowhere in the data dir, the temp dir or the logs (raw, base64, base64url, hex, URL-encoded)', async () => {
    const startedMs = Date.now() - 1000;
    const dir = dirs.make();
    const logFile = join(dir, 'latchkey.log');
    const logLines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
    const canary = `lk-canary/${randomBytes(24).toString('base64url')}+=&?`;
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store, logger });
    for (let i = 0; i < 5; i += 1) {
      await vault.update((doc) => {
        doc.connections = { 'https://mcp.example': { refreshToken: canary, generation: i } };
      });
    }
    await vault.close();
    const reopened = await openVault({ dir, mode: 'keychain', secretStore: store, logger });
    expect(JSON.stringify(reopened.read())).toContain(canary);
    await reopened.close();
    writeFileSync(logFile, logLines.join('\n'));

    const files = [...(await filesModifiedSince(dir, startedMs)), ...(await filesModifiedSince(tmpdir(), startedMs))];
    expect(files.some((file) => file.endsWith('vault.enc'))).toBe(true);
    expect(files.some((file) => file.endsWith('vault.enc.prev'))).toBe(true);
    const forms = encodedForms(canary);
    const hits: string[] = [];
    for (const file of new Set(files)) {
      const content = await readFile(file).catch(() => undefined);
      if (content === undefined) continue;
      for (const form of forms) if (content.includes(form)) hits.push(`${file}: ${form}`);
    }
    expect(hits).toEqual([]);
    expect(files.length).toBeGreaterThan(2);
  });
});
