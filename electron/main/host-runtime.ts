/**
 * Where and on which Node the desktop app runs its wallet host: the choice between the two
 * strategies of host-spawner.ts, and the CLI entry a plain Node can read in a packaged app.
 *
 * The Node the wallet needs is package.json's `engines.node` (the one place it is written; the
 * app reads it from its own package.json). Electron's Node serves when its version satisfies that
 * range; a range this reader does not understand counts as not satisfied, so the app falls back
 * to the project's Node rather than guess.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { z } from 'zod';
import type { HostSpawner } from './host-spawner.js';

type Version = readonly [number, number, number];

function parseVersion(text: string): Version | undefined {
  const match = text.trim().match(/^v?(\d+)\.(\d+)\.(\d+)$/);
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** One comparator: `^x.y.z` (same major, at least x.y.z) or `>=x.y.z`; undefined when it is neither. */
function meets(version: Version, comparator: string): boolean | undefined {
  const match = comparator.trim().match(/^(\^|>=)\s*(\S+)$/);
  const floor = match === null ? undefined : parseVersion(match[2] ?? '');
  if (match === null || floor === undefined) return undefined;
  if (compare(version, floor) < 0) return false;
  return match[1] === '>=' || version[0] === floor[0];
}

/** Whether `version` satisfies `range`, written as `^x.y.z` and `>=x.y.z` joined by `||`; false for anything else. */
export function satisfiesNodeRange(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  if (parsed === undefined || range.trim() === '') return false;
  const results = range.split('||').map((part) => meets(parsed, part));
  if (results.some((result) => result === undefined)) return false;
  return results.includes(true);
}

const Manifest = z.object({ engines: z.object({ node: z.string() }).optional() });

/** The `engines.node` range of a package.json's text; undefined when it has none or is not JSON. */
export function enginesNodeRange(manifestText: string): string | undefined {
  try {
    return Manifest.safeParse(JSON.parse(manifestText)).data?.engines?.node;
  } catch {
    return undefined;
  }
}

/** The engines range of the app's own package.json (inside the asar, which Electron's fs reads). */
export function readEnginesRange(appDir: string, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): string | undefined {
  try {
    return enginesNodeRange(read(join(appDir, 'package.json')));
  } catch {
    return undefined;
  }
}

export interface HostRuntimeChoice {
  /** Electron's own Node version (process.versions.node). */
  electronNode: string;
  /** package.json's engines.node, if it could be read. */
  enginesRange: string | undefined;
  /** The utilityProcess strategy (built only if chosen). */
  utilityProcess: () => HostSpawner;
  /** The project's Node strategy. */
  projectNode: () => HostSpawner;
}

/** Electron's Node in a utilityProcess when it meets the engines range, else the project's Node. */
export function chooseHostSpawner(choice: HostRuntimeChoice): HostSpawner {
  const fits = choice.enginesRange !== undefined && satisfiesNodeRange(choice.electronNode, choice.enginesRange);
  return fits ? choice.utilityProcess() : choice.projectNode();
}

/**
 * The same file outside the archive: `…/app.asar/x` → `…/app.asar.unpacked/x` (electron-builder
 * unpacks the CLI bundle and keytar there). A path not inside an app.asar is returned as it is.
 */
export function unpackedPath(path: string, separator: string = sep): string {
  const inside = `${separator}app.asar${separator}`;
  const at = path.indexOf(inside);
  if (at === -1) return path;
  return `${path.slice(0, at)}${separator}app.asar.unpacked${separator}${path.slice(at + inside.length)}`;
}
