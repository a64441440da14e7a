#!/usr/bin/env -S node --
/**
 * The `latchkey` command (package.json bin), built as CommonJS (scripts/bundle-cli.ts). It turns on
 * V8's compile cache first (compile-cache.ts), then loads the CLI (launch.ts, an ES module), so
 * every file after this one is read from the cache instead of compiled again on each spawn. An
 * agent's `latchkey token` (a process per token) runs agent-token.ts instead, required as
 * CommonJS so that spawn never starts Node's ES module loader, unless it hands the call back.
 *
 * The `--` in the shebang ends node's own options before this file: node (20, 22 and 24) otherwise
 * reads `--env-file` anywhere in argv, so `latchkey run --env-file x.env` died in node itself. It
 * passes no V8 flag: one would cost every command node's embedded code cache (a wallet host sets
 * what it needs while it runs, base/runtime/young-generation.ts).
 */
import { ENV_AGENT_SECRET, ENV_SESSION_SECRET } from '../../shared/bridge-names.js';
import type * as AgentToken from './agent-token.js';
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();

/** As shipped (CommonJS) by require, so the spawn never starts the ES module loader; from the sources (tsx, an ES module) by import. */
async function loadAgentToken(): Promise<typeof AgentToken> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's main.js is CommonJS, and agent-token.js beside it
  return typeof require === 'function' ? (require('./agent-token.js') as typeof AgentToken) : import('./agent-token.js');
}

async function main(): Promise<void> {
  // A cheap look at argv and the environment; agent-token.ts decides (agent-mode.ts's rule) and may hand the call back.
  const agentToken = process.argv[2] === 'token' && ((process.env[ENV_SESSION_SECRET] ?? '') !== '' || (process.env[ENV_AGENT_SECRET] ?? '') !== '');
  if (agentToken && (await (await loadAgentToken()).launchAgentToken())) return;
  await (await import('./launch.js')).launchCli();
}

// Both report their own errors; this is for a CLI that cannot load (a file of the install missing).
main().catch((error: unknown) => {
  process.stderr.write(`Latchkey could not start (${error instanceof Error ? error.message : String(error)}): reinstall it (npm install), then try again.\n`);
  process.exitCode = 1;
});
