/**
 * Choices the user made once and should not be asked again: today, the vault mode picked at the
 * first `latchkey start` on a machine without a keychain. Kept in <home>/settings.json (0600, in
 * the 0700 data directory); it holds no secret, only the mode's name.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';

export const SETTINGS_FILE = 'settings.json';

const SavedSettingsSchema = z.looseObject({ vault: z.enum(['keychain', 'passphrase', 'memory']).optional() });

export type SavedSettings = z.infer<typeof SavedSettingsSchema>;

export function settingsPathIn(home: string): string {
  return join(home, SETTINGS_FILE);
}

/** The saved settings; none when the file is missing. A damaged file is an error that names it. */
export function readSavedSettings(home: string): SavedSettings {
  const path = settingsPathIn(home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new LatchkeyError(ErrorCode.InvalidInput, `Latchkey could not read its settings (${path}).`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = SavedSettingsSchema.safeParse(parsed);
  if (!result.success) {
    throw new LatchkeyError(ErrorCode.InvalidInput, `The settings file ${path} is not valid.`, {
      hint: 'Fix it, or delete it: Latchkey asks again at the next `latchkey start`.',
    });
  }
  return result.data;
}

/** Merges `changes` into the saved settings (atomically: a temp file renamed over the old one). */
export function saveSettings(home: string, changes: SavedSettings): void {
  const merged = { ...readSavedSettings(home), ...changes };
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = settingsPathIn(home);
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
