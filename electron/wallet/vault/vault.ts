/**
 * The encrypted vault (threats T23–T25): one JSON document, encrypted at rest with a key from the
 * OS keychain (or an opted-in passphrase), written atomically, one process at a time. Without a
 * usable keychain it never falls back to plaintext: the caller picks passphrase or memory mode.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { SerialQueue } from '../../base/async/keyed-queue.js';
import { silentLogger } from '../../base/log/logger.js';
import type { Logger, SecretStore } from '../../base/ports.js';
import { applyMutation, freezeDocument, serializeDocument, type VaultDocument, type VaultMutation } from './document.js';
import { prepareVaultDirectory, removeLeftovers, removeVaultFiles, vaultPathsIn, writeVaultFileAtomically, type VaultPaths } from './files.js';
import { encryptVaultFile } from './format.js';
import { deleteKeychainKey, keychainAccountFor } from './key-source.js';
import { createKeytarSecretStore } from './keytar-secret-store.js';
import { keychainKeySource, loadOrCreateVault, passphraseKeySource, type KeySource, type LoadedVault } from './load.js';
import { acquireVaultLock, type VaultLock } from './lock.js';

export type VaultMode = 'keychain' | 'passphrase' | 'memory';
export const VAULT_MODES: readonly VaultMode[] = ['keychain', 'passphrase', 'memory'];

export const MEMORY_VAULT_WARNING =
  'Memory-only vault: secrets live in this process only and are lost when it exits. ' +
  'Use the OS keychain (default) or `--vault passphrase` to keep them.';
export const PASSPHRASE_VAULT_WARNING =
  'The vault is protected by your passphrase instead of the OS keychain: it is only as strong as that passphrase.';

export interface VaultOptions {
  /** The data directory (LATCHKEY_HOME). Created 0700 if missing; unused in memory mode. */
  dir: string;
  mode: VaultMode;
  /** The keychain. Default: keytar, loaded on first use. Only used in keychain mode. */
  secretStore?: SecretStore;
  /** Required in passphrase mode. */
  passphrase?: string;
  /** Wait this long for another process to release the vault before VaultInUse. Default 0. */
  lockWaitMs?: number;
  logger?: Logger;
  /** What to do with a damaged current file: 'fail' (default, VaultCorrupt) or reopen generation n-1. */
  recovery?: 'fail' | 'use-previous';
  /** log2 of scrypt's N for a NEW passphrase vault. Default 17; tests use less. */
  scryptLogN?: number;
}

export interface Vault {
  readonly mode: VaultMode;
  /** e.g. "keychain (Secret Service)", "passphrase (scrypt)", "memory". */
  readonly backend: string;
  /** Set when secrets will not survive a restart or protection is weaker than usual. */
  readonly warning: string | undefined;
  /** The vault file, or "(memory)". */
  readonly path: string;
  /** Bumped by every successful update; the file header carries it. */
  readonly generation: number;
  /** The current document, deep-frozen. */
  read(): VaultDocument;
  /**
   * Serialised read-modify-write: the mutation gets a shallow draft (see VaultMutation); resolves
   * once durable. Updates queued while a write is in progress run in order, each on the result of
   * the one before, and go to disk together in the next write.
   */
  update(mutate: VaultMutation): Promise<void>;
  /** Erases the vault file(s) and its keychain key, then closes. */
  destroy(): Promise<void>;
  /** Waits for pending writes and releases the lock. */
  close(): Promise<void>;
}

interface QueuedUpdate {
  mutate: VaultMutation;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function closedError(): LatchkeyError {
  return new LatchkeyError(ErrorCode.VaultClosed, 'The vault is closed.', { hint: 'Open the wallet again.' });
}

abstract class BaseVault implements Vault {
  abstract readonly mode: VaultMode;
  abstract readonly backend: string;
  abstract readonly path: string;
  protected document: VaultDocument;
  protected currentGeneration: number;
  protected closed = false;
  protected readonly queue = new SerialQueue();
  /** Updates waiting for the next write; undefined when none is waiting. */
  private waiting: QueuedUpdate[] | undefined;

  protected constructor(
    document: VaultDocument,
    generation: number,
    readonly warning: string | undefined,
  ) {
    this.document = document;
    this.currentGeneration = generation;
  }

  get generation(): number {
    return this.currentGeneration;
  }

  read(): VaultDocument {
    if (this.closed) throw closedError();
    return this.document;
  }

  update(mutate: VaultMutation): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.waiting === undefined) {
        const batch: QueuedUpdate[] = [];
        this.waiting = batch;
        void this.queue.run(() => this.write(batch));
      }
      this.waiting.push({ mutate, resolve, reject });
    });
  }

  /**
   * Applies a batch of updates in order and persists the result in one write. A throwing mutation
   * fails alone and changes nothing; the others are written with the generation bumped once per
   * applied update, and each resolves once that write is durable (or all fail with it).
   */
  private async write(batch: QueuedUpdate[]): Promise<void> {
    if (this.waiting === batch) this.waiting = undefined;
    if (this.closed) {
      for (const update of batch) update.reject(closedError());
      return;
    }
    let document = this.document;
    const applied: QueuedUpdate[] = [];
    for (const update of batch) {
      try {
        document = applyMutation(document, update.mutate);
        applied.push(update);
      } catch (error) {
        update.reject(error);
      }
    }
    if (applied.length === 0) return;
    try {
      await this.persist(document, this.currentGeneration + applied.length);
    } catch (error) {
      for (const update of applied) update.reject(error);
      return;
    }
    this.document = document;
    this.currentGeneration += applied.length;
    for (const update of applied) update.resolve();
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.release();
    });
  }

  destroy(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) throw closedError();
      await this.erase();
      this.document = freezeDocument({});
      this.closed = true;
      await this.release();
    });
  }

  /** Stores `document` as generation `generation`, durably. */
  protected abstract persist(document: VaultDocument, generation: number): Promise<void>;
  protected abstract erase(): Promise<void>;
  protected abstract release(): Promise<void>;
}

class MemoryVault extends BaseVault {
  readonly mode = 'memory';
  readonly backend = 'memory';
  readonly path = '(memory)';

  constructor() {
    super(freezeDocument({}), 0, MEMORY_VAULT_WARNING);
  }

  protected async persist(): Promise<void> {}
  protected async erase(): Promise<void> {}
  protected async release(): Promise<void> {}
}

interface FileVaultParts {
  mode: 'keychain' | 'passphrase';
  backend: string;
  paths: VaultPaths;
  lock: VaultLock;
  loaded: LoadedVault;
  /** Deletes the keychain key (keychain mode). */
  forgetKey: () => Promise<void>;
}

class FileVault extends BaseVault {
  readonly mode: 'keychain' | 'passphrase';
  readonly backend: string;
  readonly path: string;

  constructor(private readonly parts: FileVaultParts) {
    super(parts.loaded.document, parts.loaded.generation, parts.loaded.warning ?? (parts.mode === 'passphrase' ? PASSPHRASE_VAULT_WARNING : undefined));
    this.mode = parts.mode;
    this.backend = parts.backend;
    this.path = parts.paths.current;
  }

  protected async persist(document: VaultDocument, generation: number): Promise<void> {
    const { key, kdf } = this.parts.loaded.keys;
    const serialized = serializeDocument(document);
    try {
      await writeVaultFileAtomically(this.parts.paths, encryptVaultFile({ generation, mode: this.mode, key, kdf, plaintext: serialized }));
    } finally {
      serialized.fill(0);
    }
  }

  protected async erase(): Promise<void> {
    await removeVaultFiles(this.parts.paths);
    await this.parts.forgetKey();
  }

  protected release(): Promise<void> {
    return this.parts.lock.release();
  }
}

function keySourceFor(options: VaultOptions, store: SecretStore, account: string): KeySource {
  if (options.mode === 'keychain') return keychainKeySource(store, account);
  if (options.passphrase === undefined || options.passphrase.length === 0) {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'Passphrase mode needs a passphrase.', {
      hint: 'Set LATCHKEY_PASSPHRASE, or choose `--vault keychain` / `--vault memory`.',
    });
  }
  return passphraseKeySource(options.passphrase, options.scryptLogN);
}

/** Opens (or creates) the vault for a data directory. See VaultOptions and the module comments. */
export async function openVault(options: VaultOptions): Promise<Vault> {
  if (!VAULT_MODES.includes(options.mode)) {
    throw new LatchkeyError(ErrorCode.InvalidInput, `Unknown vault mode "${String(options.mode)}".`, {
      hint: 'Use --vault keychain, passphrase or memory.',
    });
  }
  const logger = options.logger ?? silentLogger;
  if (options.mode === 'memory') {
    logger.warn(MEMORY_VAULT_WARNING);
    return new MemoryVault();
  }
  const mode = options.mode;
  const store = options.secretStore ?? createKeytarSecretStore();
  const dir = await prepareVaultDirectory(options.dir, logger);
  const account = keychainAccountFor(dir);
  const keys = keySourceFor(options, store, account);
  const paths = vaultPathsIn(dir);
  const lock = await acquireVaultLock(dir, { waitMs: options.lockWaitMs ?? 0, logger });
  try {
    await removeLeftovers(paths);
    const loaded = await loadOrCreateVault({ paths, keys, logger, recovery: options.recovery ?? 'fail' });
    return new FileVault({
      mode,
      backend: mode === 'keychain' ? store.kind : 'passphrase (scrypt)',
      paths,
      lock,
      loaded,
      forgetKey: mode === 'keychain' ? () => deleteKeychainKey(store, account) : async () => {},
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
}
