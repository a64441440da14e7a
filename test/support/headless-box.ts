/**
 * A headless box for the real CLI process: no D-Bus session, no display, no browser and no vault
 * mode chosen. Each named box has its own home and runtime directory under one temporary folder,
 * made before the file's tests and removed after them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The environment of a box, for runCli/startCli; call it inside tests. */
export type HeadlessBox = (name: string) => Record<string, string | undefined>;

export function useHeadlessBoxes(prefix: string): HeadlessBox {
  let base: string | undefined;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });
  return (name) => {
    if (base === undefined) throw new Error('the boxes are made before the tests: call this inside a test');
    return {
      LATCHKEY_HOME: join(base, name, 'home'),
      LATCHKEY_RUNTIME_DIR: join(base, name, 'run'),
      DBUS_SESSION_BUS_ADDRESS: undefined,
      DISPLAY: undefined,
      WAYLAND_DISPLAY: undefined,
      BROWSER: undefined,
      LATCHKEY_VAULT: undefined,
    };
  };
}
