/**
 * A typed section of the vault document: the top-level keys one part of the wallet keeps, read
 * through a zod schema. Reads parse the section's keys once and reuse the deep-frozen result
 * until one of those keys holds a new value (the vault shares unchanged values between documents,
 * so another section's write does not cost a parse here; reads are on the token hot path). An
 * update gives the change a mutable copy of that parsed value and writes the section's keys back
 * in one atomic vault write; the next read parses what was stored. Data the schema rejects is
 * VaultCorrupt, never silently dropped (a schema may choose its own fallback with zod's `.catch`).
 */
import type { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { copyJsonValue, deepFreeze, type VaultDocument } from './document.js';
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
  /** The parsed section, the stored values (one per key, in order) it was parsed from, and the last document it was read from. */
  private cache: { document: VaultDocument | undefined; stored: unknown[]; value: T } | undefined;

  constructor(
    private readonly vault: Vault,
    private readonly options: VaultSectionOptions<K, T>,
  ) {}

  /** The section as stored now, deep-frozen: the same object until one of its keys changes. */
  read(): T {
    return this.parsedFrom(this.vault.read());
  }

  /**
   * Serialised read-modify-write: `change` gets a private, mutable copy of the section as stored
   * now and edits it in place; the section's keys are written back in one atomic vault write.
   * Resolves with what `change` returned, once durable; if `change` throws nothing is written.
   */
  async update<R>(change: (draft: T) => R): Promise<R> {
    let outcome: { value: R } | undefined;
    await this.vault.update((raw) => {
      const draft = copyJsonValue(this.parsedFrom(raw));
      outcome = { value: change(draft) };
      for (const key of this.options.keys) raw[key] = draft[key];
    });
    if (outcome === undefined) throw new LatchkeyError(ErrorCode.Internal, 'A vault update finished without running its change.');
    return outcome.value;
  }

  /** The section of `raw`, parsed and deep-frozen: the cached value while its keys hold the same values. */
  private parsedFrom(raw: VaultDocument): T {
    const { keys } = this.options;
    const cache = this.cache;
    // A stored document is frozen and replaced on every write: the same one holds the same values.
    // (An update's draft is not frozen, so it is never remembered as the document.)
    if (cache?.document === raw) return cache.value;
    const stored = Object.isFrozen(raw) ? raw : undefined;
    if (cache !== undefined && keys.every((key, i) => Object.is(raw[key], cache.stored[i]))) {
      cache.document = stored;
      return cache.value;
    }
    const value = deepFreeze(this.parse(raw));
    this.cache = { document: stored, stored: keys.map((key) => raw[key]), value };
    return value;
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
