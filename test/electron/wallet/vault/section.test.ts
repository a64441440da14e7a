/** One typed vault section: parsed once per document, frozen, updated atomically, corrupt data refused. */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { openVault, VaultSection } from '../../../../electron/wallet/vault/index.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { thrownCode as codeOf } from '../../../support/rejection.js';

const Pets = z.object({
  cats: z.record(z.string(), z.object({ name: z.string() })),
  dogs: z.record(z.string(), z.object({ name: z.string() })),
});
type Pets = z.infer<typeof Pets>;

async function setup(): Promise<{ vault: Awaited<ReturnType<typeof openVault>>; pets: VaultSection<'cats' | 'dogs', Pets> }> {
  const vault = await openVault({ dir: '', mode: 'memory' });
  const pets = new VaultSection(vault, { keys: ['cats', 'dogs'], schema: Pets, what: 'pet data', hint: 'Upgrade.' });
  return { vault, pets };
}

describe('VaultSection', () => {
  it('reads missing keys as empty and keeps other keys of the document untouched', async () => {
    const { vault, pets } = await setup();
    await vault.update((doc) => ({ ...doc, other: { kept: true } }));
    expect(pets.read()).toEqual({ cats: {}, dogs: {} });
    await pets.update((draft) => {
      draft.cats['c1'] = { name: 'Tom' };
    });
    expect(vault.read()).toEqual({ other: { kept: true }, cats: { c1: { name: 'Tom' } }, dogs: {} });
  });

  it('parses once per vault document and hands out a frozen result', async () => {
    const { pets } = await setup();
    await pets.update((draft) => {
      draft.dogs['d1'] = { name: 'Rex' };
    });
    const first = pets.read();
    expect(pets.read()).toBe(first);
    expect(Object.isFrozen(first.dogs['d1'])).toBe(true);
    await pets.update((draft) => {
      draft.dogs['d2'] = { name: 'Fido' };
    });
    expect(pets.read()).not.toBe(first);
    expect(Object.keys(pets.read().dogs)).toEqual(['d1', 'd2']);
  });

  it("keeps its parsed value while its own keys are unchanged: another key's write costs no parse", async () => {
    const { vault, pets } = await setup();
    await pets.update((draft) => {
      draft.cats['c1'] = { name: 'Tom' };
    });
    const before = pets.read();
    await vault.update((doc) => {
      doc['auditHead'] = { seq: 1, hash: 'h' };
    });
    expect(pets.read()).toBe(before);
  });

  it('reads the same stored document again without looking at its keys; a document that is not frozen is never taken as unchanged', async () => {
    let keyReads = 0;
    const counted = (value: unknown) => ({ enumerable: true, get: () => (keyReads += 1, value) });
    const stored = Object.freeze(Object.defineProperties({}, { cats: counted({ c1: { name: 'Tom' } }), dogs: counted({}) }));
    let current: Record<string, unknown> = stored;
    const vault = { read: () => current } as unknown as Awaited<ReturnType<typeof openVault>>;
    const pets = new VaultSection(vault, { keys: ['cats', 'dogs'], schema: Pets, what: 'pet data', hint: 'Upgrade.' });
    const first = pets.read();
    keyReads = 0;
    for (let i = 0; i < 5; i += 1) expect(pets.read()).toBe(first);
    expect(keyReads).toBe(0);

    const draft: Record<string, unknown> = { cats: { c1: { name: 'Tom' } }, dogs: {} };
    current = draft;
    const fromDraft = pets.read();
    draft['cats'] = { c2: { name: 'Kit' } };
    expect(Object.keys(pets.read().cats)).toEqual(['c2']);
    expect(pets.read()).not.toBe(fromDraft);
  });

  it("hands the change a mutable copy: the stored, frozen section is untouched until the write lands", async () => {
    const { pets } = await setup();
    await pets.update((draft) => {
      draft.cats['c1'] = { name: 'Tom' };
    });
    const before = pets.read();
    await pets.update((draft) => {
      expect(Object.isFrozen(draft.cats['c1'])).toBe(false);
      draft.cats['c1']!.name = 'Tim';
      expect(before.cats['c1']?.name).toBe('Tom');
    });
    expect(before.cats['c1']?.name).toBe('Tom');
    expect(pets.read().cats['c1']?.name).toBe('Tim');
  });

  it('returns what the change returned; a change that throws writes nothing', async () => {
    const { vault, pets } = await setup();
    const generation = vault.generation;
    await expect(
      pets.update(() => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(vault.generation).toBe(generation);
    const count = await pets.update((draft) => {
      draft.cats['c1'] = { name: 'Tom' };
      return Object.keys(draft.cats).length;
    });
    expect(count).toBe(1);
  });

  it('serialises concurrent updates: none is lost', async () => {
    const { pets } = await setup();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pets.update((draft) => {
          draft.cats[`c${i}`] = { name: `cat ${i}` };
        }),
      ),
    );
    expect(Object.keys(pets.read().cats)).toHaveLength(20);
  });

  it('data the schema rejects is VaultCorrupt, on read and on update', async () => {
    const { vault, pets } = await setup();
    await vault.update((doc) => ({ ...doc, cats: { c1: { name: 42 } } }));
    expect(codeOf(() => pets.read())).toBe(ErrorCode.VaultCorrupt);
    await expect(pets.update(() => undefined)).rejects.toMatchObject({ code: ErrorCode.VaultCorrupt });
  });
});
