/**
 * A typed section of the vault document: the top-level keys one part of the wallet keeps, read
 * through a zod schema. Reads parse once per vault document and reuse the deep-frozen result
 * until the vault holds a new one (reads are on the token hot path); every update parses the
 * current document, applies the change and writes the keys back in one atomic vault write.
 * Data the schema rejects is VaultCorrupt, never silently dropped (a schema may choose its own
 * fallback with zod's `.catch`).
 */
import type { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { deepFreeze, type VaultDocument } from './document.js';
import type { Vault } from './vault.js';

export interface VaultSectionOptions<K extends string, T extends Record<K, unknown>> {
  /** The document's top-level keys this section keeps; a missing key reads as `{}`. */
  keys: readonly K[];
  /** Parses `{ key: value, … }` for those keys. */
  schema: z.ZodType<T>;
  /** What the section holds, for the VaultCorrupt message, e.g. "grant data". */
  what: string;
  /** What the owner can do when it cannot be read. */
  hint: string;
}

export class VaultSection<K extends string, T extends Record<K, unknown>> {
  private cache: { raw: VaultDocument; value: T } | undefined;

  constructor(
    private readonly vault: Vault,
    private readonly options: VaultSectionOptions<K, T>,
  ) {}

  /** The section as stored now, deep-frozen: the same object until the vault changes. */
  read(): T {
    const raw = this.vault.read();
    if (this.cache?.raw === raw) return this.cache.value;
    const value = deepFreeze(this.parse(raw));
    this.cache = { raw, value };
    return value;
  }

  /**
   * Serialised read-modify-write: `change` gets a private, mutable copy of the section as stored
   * now and edits it in place; the section's keys are written back in one atomic vault write.
   * Resolves with what `change` returned, once durable; if `change` throws nothing is written.
   */
  async update<R>(change: (draft: T) => R): Promise<R> {
    let outcome: { value: R } | undefined;
    await this.vault.update((raw) => {
      const draft = this.parse(raw);
      outcome = { value: change(draft) };
      const next: Record<string, unknown> = { ...raw };
      for (const key of this.options.keys) next[key] = draft[key];
      return next;
    });
    if (outcome === undefined) throw new LatchkeyError(ErrorCode.Internal, 'A vault update finished without running its change.');
    return outcome.value;
  }

  private parse(raw: VaultDocument): T {
    const parts = Object.fromEntries(this.options.keys.map((key) => [key, raw[key] ?? {}]));
    const parsed = this.options.schema.safeParse(parts);
    if (!parsed.success) {
      throw new LatchkeyError(ErrorCode.VaultCorrupt, `The vault holds ${this.options.what} Latchkey cannot read.`, { hint: this.options.hint });
    }
    return parsed.data;
  }
}
