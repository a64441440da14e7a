import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLatchkeyManifest } from '../wallet/host/package-root.js';

/** The version scripts/bundle-cli.ts bakes into the bundle; absent when the source runs as it is. */
declare const LATCHKEY_BUNDLED_VERSION: string | undefined;

/**
 * The version baked into the CLI bundle, else the one from Latchkey's package.json found upwards
 * from this file (source or tsc's dist). The bundle carries its own because the desktop app runs
 * it from app.asar.unpacked, where no package.json a plain Node can read lies above it.
 */
export function readVersion(from: string = dirname(fileURLToPath(import.meta.url)), bundled: string | undefined = typeof LATCHKEY_BUNDLED_VERSION === 'string' ? LATCHKEY_BUNDLED_VERSION : undefined): string {
  if (bundled !== undefined) return bundled;
  const version = findLatchkeyManifest(from)?.manifest.version;
  return typeof version === 'string' ? version : 'unknown';
}
