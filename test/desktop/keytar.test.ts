/**
 * keytar 7 is an N-API module: the build made for the project's Node loads in Electron without a
 * rebuild. Shown in the real Electron test runtime, in the main process and in a utilityProcess
 * (where a packaged app on an Electron with Node 22 runs its wallet host), each writing, reading
 * and deleting a secret in the Secret Service of the test's D-Bus session.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, chromiumArgs, createProfile, electronBinary, ROOT, type Profile } from './desktop-app.js';

const KEYTAR = join(ROOT, 'node_modules/keytar');

/** Round-trips one secret; runs as a CommonJS script in whichever Electron process loads it. */
const ROUND_TRIP = `'use strict';
const keytar = require(${JSON.stringify(KEYTAR)});
async function roundTrip(service) {
  const secret = 'probe-' + Math.random().toString(36).slice(2);
  await keytar.setPassword(service, 'latchkey-test', secret);
  const read = await keytar.getPassword(service, 'latchkey-test');
  const deleted = await keytar.deletePassword(service, 'latchkey-test');
  return { same: read === secret, deleted, electron: process.versions.electron, modules: process.versions.modules };
}
module.exports = { roundTrip };
`;

/** Loaded with --require before the app: the main process's round trip, and one from a utilityProcess. */
const HOOK = (roundTripFile: string, childFile: string): string => `'use strict';
const { app, utilityProcess } = require('electron');
const { roundTrip } = require(${JSON.stringify(roundTripFile)});
globalThis.latchkeyKeytar = {
  main: app.whenReady().then(() => roundTrip(process.env.LATCHKEY_TEST_SERVICE + '-main')),
  utility: app.whenReady().then(() => new Promise((resolve, reject) => {
    const child = utilityProcess.fork(${JSON.stringify(childFile)}, [], { serviceName: 'latchkey-keytar-probe' });
    child.once('message', (message) => { resolve(message); child.kill(); });
    child.once('exit', (code) => reject(new Error('utilityProcess exited with ' + code)));
  })),
};
`;

const CHILD = (roundTripFile: string): string => `'use strict';
const { roundTrip } = require(${JSON.stringify(roundTripFile)});
roundTrip(process.env.LATCHKEY_TEST_SERVICE + '-utility').then(
  (result) => process.parentPort.postMessage(result),
  (error) => process.parentPort.postMessage({ error: String(error) }),
);
`;

interface RoundTrip {
  same?: boolean;
  deleted?: boolean;
  electron?: string;
  modules?: string;
  error?: string;
}

let profile: Profile;
let hookArgs: string[];

beforeAll(async () => {
  profile = await createProfile();
  const roundTripFile = join(profile.base, 'keytar-round-trip.cjs');
  const childFile = join(profile.base, 'keytar-child.cjs');
  const hookFile = join(profile.base, 'keytar-hook.cjs');
  await writeFile(roundTripFile, ROUND_TRIP);
  await writeFile(childFile, CHILD(roundTripFile));
  await writeFile(hookFile, HOOK(roundTripFile, childFile));
  hookArgs = [`--require=${hookFile}`];
});

afterAll(async () => {
  await profile?.remove();
});

describe('keytar in the real Electron', () => {
  it('E11: the Node build of keytar (N-API) reads and writes the Secret Service from Electron\'s main process and from a utilityProcess, no rebuild', async () => {
    const app = await _electron.launch({
      executablePath: await electronBinary(),
      args: [...chromiumArgs(), ...hookArgs, APP_DIR],
      env: { ...(process.env as Record<string, string>), ...profile.env, LATCHKEY_TEST_SERVICE: `latchkey-keytar-${randomUUID()}` },
      timeout: 60_000,
    });
    try {
      const results = await app.evaluate(async () => {
        const probes = (globalThis as unknown as { latchkeyKeytar: { main: Promise<RoundTrip>; utility: Promise<RoundTrip> } }).latchkeyKeytar;
        return { main: await probes.main, utility: await probes.utility };
      });
      for (const result of [results.main, results.utility]) {
        expect(result.error).toBeUndefined();
        expect(result).toMatchObject({ same: true, deleted: true, electron: '25.1.1' });
      }
      // Electron's module ABI differs from Node's: only N-API lets the one build load in both.
      expect(results.main.modules).not.toBe(process.versions.modules);
    } finally {
      await app.close();
    }
  });
});
