/**
 * E11: the configuration the tests pack the desktop app with against the Electron 25 test runtime
 * is the shipped electron-builder.yml with only what that runtime forces replaced: what ships
 * (Electron 45, every fuse) is never changed by the test lane.
 */
import type { Configuration } from 'electron-builder';
import { describe, expect, it } from 'vitest';
import { FUSE_INDEX, readShippedConfig, TEST_RUNTIME_OVERRIDES, testRuntimeConfig } from '../../scripts/package-electron-test.js';

const RUNTIME = { dir: '/cache/runtime', version: '25.1.1', fuseWireLength: 7 };

describe('the test-runtime packaging configuration', () => {
  it('E11: is the shipped configuration with only the runtime, the rebuild, the fuses and the output replaced', async () => {
    const shipped = await readShippedConfig();
    const { config } = testRuntimeConfig(shipped, RUNTIME, '/work/out');
    const untouched = (value: object): Record<string, unknown> =>
      Object.fromEntries(Object.entries(value).filter(([key]) => !(TEST_RUNTIME_OVERRIDES as readonly string[]).includes(key)));
    expect(untouched(config)).toStrictEqual(untouched(shipped));
    expect(config).toMatchObject({ electronDist: '/cache/runtime', electronVersion: '25.1.1', npmRebuild: false, directories: { output: '/work/out', buildResources: 'assets' } });
    // The shipped file names no Electron version: electron-builder takes package.json's (45.x).
    expect(shipped.electronVersion).toBeUndefined();
    expect(shipped.electronDist).toBeUndefined();
  });

  it('E11: keeps every fuse the runtime has at the shipped value, and names the ones its wire lacks', async () => {
    const shipped = await readShippedConfig();
    const { config, absentFuses } = testRuntimeConfig(shipped, RUNTIME, '/work/out');
    expect(absentFuses).toEqual(['grantFileProtocolExtraPrivileges']);
    const kept = Object.fromEntries(Object.entries(shipped.electronFuses ?? {}).filter(([name]) => name !== 'grantFileProtocolExtraPrivileges'));
    expect(config.electronFuses).toStrictEqual(kept);
    // A runtime with Electron 45's eight fuses keeps them all.
    const full = testRuntimeConfig(shipped, { ...RUNTIME, fuseWireLength: Object.keys(FUSE_INDEX).length }, '/work/out');
    expect(full.absentFuses).toEqual([]);
    expect(full.config.electronFuses).toStrictEqual(shipped.electronFuses);
  });

  it('refuses a fuse setting it does not know rather than dropping it', () => {
    const withUnknown = JSON.parse('{"electronFuses":{"runAsNode":false,"madeUp":true}}') as Configuration;
    expect(() => testRuntimeConfig(withUnknown, RUNTIME, '/out')).toThrow(/unknown fuse setting madeUp/);
  });
});
