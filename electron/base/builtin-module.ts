/**
 * A Node built-in module without its ES module facade. An ESM import of node:http, node:fs,
 * node:util or node:crypto builds a facade that reads every export, and some of those getters load
 * more (node:http's load Node's bundled undici): tens of milliseconds for a short-lived process.
 * process.getBuiltinModule (Node ≥ 22.3) hands out the module itself, in ESM and CommonJS alike.
 * Where it is missing, this code runs as a CommonJS bundle (the desktop main process in the
 * Electron 25 test runtime, whose Node is 18), so require through its own file does the same.
 */
import { createRequire } from 'node:module';

export function builtinModule<T>(id: `node:${string}`): T {
  const fromProcess = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof fromProcess === 'function') return fromProcess.call(process, id) as T;
  return createRequire(__filename)(id) as T;
}
