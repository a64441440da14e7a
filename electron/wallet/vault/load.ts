/**
 * Opening an existing vault file or creating a new one: choosing the key for the mode, checking
 * the file's mode, decrypting, and the corrupt-file policy (threats T24, T25).
 *
 * Corrupt-file policy: a damaged or tampered current file is VaultCorrupt — never silently reset
 * and, by default, never silently rolled back either, because generation n-1 may still hold a
 * grant or token the user revoked in generation n (an attacker who can damage the file must not
 * be able to undo a revocation). The error says that the previous generation is intact and where
 * it is. Falling back to it is an explicit choice (`recovery: 'use-previous'`): the damaged file
 * is kept aside as vault.enc.corrupt-<time> and the vault opens at n-1 with a warning.
 */
import { rename } from 'node:fs/promises';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Logger, SecretStore } from '../../base/ports.js';
import { freezeDocument, serializeDocument, type VaultDocument } from './document.js';
import { readVaultFile, writeVaultFileAtomically, type VaultPaths } from './files.js';
import { decryptVaultFile, encryptVaultFile, parseVaultFile, type ScryptParams, type VaultFileMode } from './format.js';
import { createOrReuseKeychainKey, derivePassphraseKey, newScryptParams, readKeychainKey } from './key-source.js';

export interface KeyMaterial {
  key: Buffer;
  kdf: ScryptParams | undefined;
}

export interface KeySource {
  readonly mode: VaultFileMode;
  /** The key for an existing file (its header says which KDF parameters it used). */
  forExisting(kdf: ScryptParams | undefined): Promise<KeyMaterial>;
  /** The key for a new vault. */
  forNew(): Promise<KeyMaterial>;
  wrongKey(): LatchkeyError;
}

export function keychainKeySource(store: SecretStore, account: string): KeySource {
  let cached: Promise<Buffer> | undefined;
  return {
    mode: 'keychain',
    async forExisting() {
      cached ??= readKeychainKey(store, account);
      return { key: await cached, kdf: undefined };
    },
    async forNew() {
      return { key: await createOrReuseKeychainKey(store, account), kdf: undefined };
    },
    wrongKey: () =>
      new LatchkeyError(ErrorCode.VaultCorrupt, 'The vault key in the OS keychain does not belong to this vault file.', {
        hint: 'The "latchkey" keychain entry for this data directory was replaced. Restore it, or move the vault file away to start a new vault.',
      }),
  };
}

export function passphraseKeySource(passphrase: string, scryptLogN: number | undefined): KeySource {
  const derived = new Map<string, Promise<Buffer>>();
  const derive = async (kdf: ScryptParams): Promise<KeyMaterial> => {
    const id = JSON.stringify(kdf);
    let key = derived.get(id);
    if (key === undefined) {
      key = derivePassphraseKey(passphrase, kdf);
      derived.set(id, key);
    }
    return { key: await key, kdf };
  };
  return {
    mode: 'passphrase',
    async forExisting(kdf) {
      if (kdf === undefined) throw new LatchkeyError(ErrorCode.VaultCorrupt, 'The passphrase vault has no key derivation parameters.');
      return derive(kdf);
    },
    forNew: () => derive(newScryptParams(scryptLogN)),
    wrongKey: () =>
      new LatchkeyError(ErrorCode.VaultBadPassphrase, 'The passphrase does not unlock this vault.', {
        hint: 'Check LATCHKEY_PASSPHRASE (or the passphrase you typed) and try again.',
      }),
  };
}

export interface LoadedVault {
  document: VaultDocument;
  generation: number;
  keys: KeyMaterial;
  warning: string | undefined;
}

async function decodeFile(bytes: Buffer, keys: KeySource): Promise<Omit<LoadedVault, 'warning'>> {
  const parsed = parseVaultFile(bytes);
  if (parsed.header.mode !== keys.mode) {
    const flag = parsed.header.mode === 'passphrase' ? 'passphrase' : 'keychain';
    throw new LatchkeyError(ErrorCode.VaultModeMismatch, `This vault is protected by ${flag === 'passphrase' ? 'a passphrase' : 'the OS keychain'}, not by the ${keys.mode}.`, {
      hint: `Open it with \`--vault ${flag}\` (LATCHKEY_VAULT=${flag}).`,
      details: { fileMode: parsed.header.mode, requestedMode: keys.mode },
    });
  }
  const material = await keys.forExisting(parsed.header.kdf);
  const document = decryptVaultFile(parsed, material.key, keys.wrongKey);
  return { document: freezeDocument(document), generation: parsed.header.generation, keys: material };
}

async function createFresh(paths: VaultPaths, keys: KeySource): Promise<LoadedVault> {
  const material = await keys.forNew();
  const document = freezeDocument({});
  const generation = 1;
  await writeVaultFileAtomically(paths, encryptVaultFile({ generation, mode: keys.mode, key: material.key, kdf: material.kdf, plaintext: serializeDocument(document) }));
  return { document, generation, keys: material, warning: undefined };
}

async function recoverFromPrevious(paths: VaultPaths, previous: Buffer, keys: KeySource, logger: Logger, error: LatchkeyError): Promise<LoadedVault> {
  const loaded = await decodeFile(previous, keys);
  const aside = `${paths.current}.corrupt-${Date.now()}`;
  await rename(paths.current, aside).catch(() => undefined);
  logger.warn('vault file was corrupt; opened the previous generation as asked', { generation: loaded.generation, keptAt: aside, code: error.code });
  return {
    ...loaded,
    warning: `The vault file was damaged; Latchkey reopened the previous generation (${loaded.generation}), so the latest change was lost. The damaged file is kept at ${aside}.`,
  };
}

/** Adds to a corruption error what the user can do when an intact previous generation exists. */
async function withPreviousHint(error: LatchkeyError, paths: VaultPaths, previous: Buffer | undefined, keys: KeySource): Promise<LatchkeyError> {
  if (previous === undefined) return error;
  try {
    const loaded = await decodeFile(previous, keys);
    return new LatchkeyError(error.code, error.message, {
      hint: `The previous generation (${loaded.generation}) is intact in ${paths.previous}. To go back to it (this drops the latest change), move ${paths.current} away and copy ${paths.previous} to ${paths.current}.`,
      details: { ...error.details, previousGeneration: loaded.generation },
      cause: error,
    });
  } catch {
    return error;
  }
}

export interface LoadOptions {
  paths: VaultPaths;
  keys: KeySource;
  logger: Logger;
  recovery: 'fail' | 'use-previous';
}

export async function loadOrCreateVault({ paths, keys, logger, recovery }: LoadOptions): Promise<LoadedVault> {
  const current = await readVaultFile(paths.current, logger);
  const previous = await readVaultFile(paths.previous, logger);
  if (current === undefined && previous === undefined) return createFresh(paths, keys);
  try {
    if (current === undefined) {
      throw new LatchkeyError(ErrorCode.VaultCorrupt, `The vault file ${paths.current} is missing but its previous generation exists.`);
    }
    return { ...(await decodeFile(current, keys)), warning: undefined };
  } catch (error) {
    if (!(error instanceof LatchkeyError) || error.code !== ErrorCode.VaultCorrupt) throw error;
    if (recovery === 'use-previous' && previous !== undefined) return recoverFromPrevious(paths, previous, keys, logger, error);
    throw await withPreviousHint(error, paths, previous, keys);
  }
}
