/**
 * The choice of the wallet host's runtime (Electron's Node in a utilityProcess, or the project's
 * Node) read from package.json's engines, and the CLI entry outside the asar in a packaged app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseHostSpawner, enginesNodeRange, readEnginesRange, satisfiesNodeRange, unpackedPath } from '../../../electron/main/host-runtime.js';
import type { HostSpawner } from '../../../electron/main/host-spawner.js';

const root = join(import.meta.dirname, '../../..');
const projectRange = enginesNodeRange(readFileSync(join(root, 'package.json'), 'utf8'));

const fakeSpawner = (kind: HostSpawner['kind']): HostSpawner => ({
  kind,
  start: () => {
    throw new Error('not started in this test');
  },
});

function chosen(electronNode: string, enginesRange: string | undefined): HostSpawner['kind'] {
  return chooseHostSpawner({ electronNode, enginesRange, utilityProcess: () => fakeSpawner('utility-process'), projectNode: () => fakeSpawner('node') }).kind;
}

describe('the wallet host runtime', () => {
  it('reads the Node range from package.json, the one place it is written', () => {
    expect(projectRange).toBe('^22.12.0 || >=24.0.0');
    expect(readEnginesRange(root)).toBe(projectRange);
    expect(readEnginesRange('/nowhere', () => '{"name":"latchkey"}')).toBeUndefined();
    expect(readEnginesRange('/nowhere', () => 'not json')).toBeUndefined();
    expect(
      readEnginesRange('/nowhere', () => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it.each([
    ['22.12.0', true],
    ['22.20.0', true],
    ['v22.12.1', true],
    ['22.11.9', false],
    ['23.5.0', false],
    ['24.0.0', true],
    ['26.1.0', true],
    ['18.15.0', false],
    ['20.18.0', false],
    ['22.12', false],
  ])('Node %s satisfies the project range: %s', (version, expected) => {
    expect(satisfiesNodeRange(version, projectRange ?? '')).toBe(expected);
  });

  it('a range it does not understand is never satisfied (the app falls back to the project Node)', () => {
    expect(satisfiesNodeRange('22.12.0', '~22.12.0')).toBe(false);
    expect(satisfiesNodeRange('22.12.0', '>=20 <23')).toBe(false);
    expect(satisfiesNodeRange('22.12.0', '^22.12.0 || 24.x')).toBe(false);
    expect(satisfiesNodeRange('22.12.0', '')).toBe(false);
  });

  it('an Electron whose Node meets the range (22.20 here) starts the host in a utilityProcess; the Electron 25 test runtime (Node 18.15) on the project Node', () => {
    expect(chosen('22.20.0', projectRange)).toBe('utility-process');
    expect(chosen('18.15.0', projectRange)).toBe('node');
    expect(chosen('22.20.0', undefined)).toBe('node');
  });

  it('the CLI entry inside app.asar maps to app.asar.unpacked; other paths stay as they are', () => {
    expect(unpackedPath('/opt/Latchkey/resources/app.asar/dist/cli/main.js', '/')).toBe('/opt/Latchkey/resources/app.asar.unpacked/dist/cli/main.js');
    expect(unpackedPath('C:\\Latchkey\\resources\\app.asar\\dist\\cli\\main.js', '\\')).toBe('C:\\Latchkey\\resources\\app.asar.unpacked\\dist\\cli\\main.js');
    expect(unpackedPath('/work/main/dist/cli/main.js', '/')).toBe('/work/main/dist/cli/main.js');
    expect(unpackedPath('/opt/Latchkey/resources/app.asar.unpacked/dist/cli/main.js', '/')).toBe('/opt/Latchkey/resources/app.asar.unpacked/dist/cli/main.js');
    expect(unpackedPath('/home/me/my-app.asar/dist/cli/main.js', '/')).toBe('/home/me/my-app.asar/dist/cli/main.js');
  });
});
