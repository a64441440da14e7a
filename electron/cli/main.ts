#!/usr/bin/env -S node --
/**
 * The `latchkey` command (package.json bin). It turns on V8's compile cache first
 * (compile-cache.ts), then loads the CLI (launch.ts), so every module after this one is read from
 * the cache instead of compiled again on each spawn. An agent's `latchkey token` (a process per
 * token) loads agent-token.ts instead, one small file, unless it hands the call back.
 *
 * The `--` in the shebang ends node's own options before this file: node (20, 22 and 24) otherwise
 * reads `--env-file` anywhere in argv, so `latchkey run --env-file x.env` died in node itself.
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
// A cheap look at argv and the environment; agent-token.ts decides (agent-mode.ts's rule) and may hand the call back.
const agentToken = process.argv[2] === 'token' && ((process.env['LATCHKEY_SESSION'] ?? '') !== '' || (process.env['LATCHKEY_AGENT_SECRET'] ?? '') !== '');
if (!agentToken || !(await (await import('./agent-token.js')).launchAgentToken())) await (await import('./launch.js')).launchCli();
