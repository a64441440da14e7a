#!/usr/bin/env -S node --
/**
 * The `latchkey` command (package.json bin). It turns on V8's compile cache first
 * (compile-cache.ts), then loads the CLI (launch.ts), so every module after this one is read from
 * the cache instead of compiled again on each spawn.
 *
 * The `--` in the shebang ends node's own options before this file: node (20, 22 and 24) otherwise
 * reads `--env-file` anywhere in argv, so `latchkey run --env-file x.env` died in node itself.
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await (await import('./launch.js')).launchCli();
