/**
 * The package's bin is the esbuild-built CLI (scripts/bundle-cli.ts): it runs, and what every
 * spawn loads (the entry, the CLI it loads once the compile cache is on, and the chunks they
 * import statically) leaves out the wallet's network stack, so `latchkey mcp` and `latchkey token`
 * start without compiling undici or openid-client; an agent's `latchkey token` loads two CommonJS
 * files and no zod. Opening the wallet and starting the daemon (the chunks holding the composition
 * root and the daemon host, with every chunk they import statically) load the network stack
 * (undici), discovery's MCP SDK and the Public Suffix List (tldts) only on first use.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type BundledCli } from '../../scripts/bundle-cli.js';

const run = promisify(execFile);
/** What only some verbs use (connect and mcp: the MCP SDK; mcp: the proxy), so no other verb loads it. */
const ONLY_SOME_VERBS = ['node_modules/@modelcontextprotocol/', 'node_modules/tldts', 'electron/agent/proxy/'];
const ROOT = resolve(import.meta.dirname, '../..');
/** What the wallet and the daemon load on first use only. */
const ON_FIRST_USE = ['node_modules/undici/', 'node_modules/@modelcontextprotocol/', 'node_modules/tldts'];

/** The entry's text and that of every chunk it imports statically, transitively. */
async function eagerlyLoaded(entry: string): Promise<string> {
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    texts.push(text);
    for (const match of text.matchAll(/^import\s(?:[^;]*?from\s*)?"(\.\/[^"]+)";?$/gmu)) await visit(join(dirname(file), match[1]!));
  };
  await visit(entry);
  return texts.join('\n');
}

/** The chunk whose text holds `marker` (a function only that module defines, or esbuild's `// path` line for a module). */
async function chunkDefining(dir: string, marker: string): Promise<string> {
  for (const file of await readdir(dir)) {
    if (/\.m?js$/u.test(file) && (await readFile(join(dir, file), 'utf8')).includes(marker)) return join(dir, file);
  }
  throw new Error(`no chunk defines ${marker}`);
}

describe('the CLI bundle (the package bin)', () => {
  let dir: string | undefined;
  let built: BundledCli;

  beforeAll(async () => {
    // Inside the repository, so the bundle finds package.json and node_modules (keytar) above it.
    await mkdir(join(ROOT, '.cache'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.cache', 'cli-bundle-'));
    built = await bundleCli(dir);
  }, 60_000);
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.each(['electron/wallet/wallet.ts', 'electron/wallet/host/daemon.ts'])('%s loads no undici, MCP SDK or tldts until they are used', async (source) => {
    // esbuild marks each module with a `// path` line.
    const eager = await eagerlyLoaded(await chunkDefining(dirname(built.entry), `\n// ${source}\n`));
    for (const later of ON_FIRST_USE) expect(eager.includes(later), later).toBe(false);
  });

  it('runs: --version and mcp --help', async () => {
    const version = await run(process.execPath, [built.entry, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run(process.execPath, [built.entry, 'mcp', '--help']);
    expect(help.stdout).toMatch(/^Usage: latchkey mcp <mcp-url>/);
  });

  it('every spawn loads the entry chunks only: no undici, openid-client, jose or oauth4webapi until the wallet opens', async () => {
    const eager = [await eagerlyLoaded(built.entry), await eagerlyLoaded(await chunkDefining(dirname(built.entry), 'async function launchCli('))].join('\n');
    for (const heavy of ['node_modules/undici/', 'node_modules/openid-client/', 'node_modules/jose/', 'node_modules/oauth4webapi/', ...ONLY_SOME_VERBS]) {
      expect(eager.includes(heavy), heavy).toBe(false);
    }
    expect(built.entryBytes).toBeLessThan(built.totalBytes / 4);
  });

  it('latchkey token loads its own module and, with a daemon, the owner client: no MCP SDK, no proxy, no wallet network stack', async () => {
    const files = await readdir(dirname(built.entry));
    const chunk = (name: string): string => join(dirname(built.entry), files.find((file) => new RegExp(`^${name}-[A-Z0-9]+\\.mjs$`, 'u').test(file)) ?? `${name}.mjs`);
    const launch = await chunkDefining(dirname(built.entry), 'async function launchCli(');
    const eager = [await eagerlyLoaded(built.entry), await eagerlyLoaded(launch), await eagerlyLoaded(chunk('token')), await eagerlyLoaded(chunk('open-cli-wallet'))].join('\n');
    for (const heavy of ['node_modules/undici/', 'node_modules/openid-client/', 'node_modules/oauth4webapi/', ...ONLY_SOME_VERBS]) {
      expect(eager.includes(heavy), heavy).toBe(false);
    }
  });

  it("an agent's latchkey token (the bridge client, the discovery file) and --version load no zod", async () => {
    const dir = dirname(built.entry);
    const files = await readdir(dir);
    const token = join(dir, files.find((file) => /^token-[A-Z0-9]+\.mjs$/u.test(file)) ?? 'token.mjs');
    const version = [await eagerlyLoaded(built.entry), await eagerlyLoaded(await chunkDefining(dir, 'async function launchCli('))].join('\n');
    const agentToken = [version, await eagerlyLoaded(token), await eagerlyLoaded(await chunkDefining(dir, 'function createBridgeClient('))].join('\n');
    expect(version.includes('node_modules/zod/'), '--version').toBe(false);
    expect(agentToken.includes('node_modules/zod/'), 'latchkey token in a session').toBe(false);
    expect(agentToken).toContain('function checkTokenResponse(');
  });

  it("an agent's latchkey token loads main.js and agent-token.js, CommonJS both: no ES module, no zod, no command table, help text or whole CLI", async () => {
    const dir = dirname(built.entry);
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const main = await readFile(built.entry, 'utf8');
    const agentToken = await readFile(join(dir, 'agent-token.js'), 'utf8');
    expect(main).toContain('require("./agent-token.js")');
    // Nothing else local is required, and no static import: the ES module loader never starts for it.
    for (const text of [main, agentToken]) {
      expect([...text.matchAll(/require\("(\.\/[^"]+)"\)/gu)].map((match) => match[1])).toEqual(text === main ? ['./agent-token.js'] : []);
      expect(text).not.toMatch(/^import\s/mu);
    }
    // Loaded only when an answer needs more than the zod-free checks: the contract, an ES module.
    expect([...agentToken.matchAll(/import\("([^"]+)"\)/gu)].map((match) => match[1])).toEqual(['./bridge-contract.mjs']);
    await expect(readFile(join(dir, 'bridge-contract.mjs'), 'utf8')).resolves.toContain('PendingApprovalsResponse');
    const fast = `${main}\n${agentToken}`;
    for (const unwanted of ['node_modules/zod/', 'async function launchCli(', 'electron/cli/commands/table.ts', 'electron/cli/help.ts', 'electron/cli/run.ts', 'node_modules/undici/']) {
      expect(fast.includes(unwanted), unwanted).toBe(false);
    }
    expect(agentToken).toContain('function checkTokenResponse(');
  });

  it("runs an agent's latchkey token from the bundle, and hands --help to the whole CLI", async () => {
    const env = { ...process.env, LATCHKEY_AGENT_SECRET: 'lk_agent_test_secret', LATCHKEY_SESSION: '', LATCHKEY_BRIDGE_SOCKET: join(dirname(built.entry), 'nobody-listens.sock') };
    const down = await run(process.execPath, [built.entry, 'token', 'https://mcp.example.com/mcp'], { env }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(down?.code).toBe(1);
    expect(down?.stderr).toContain('error[bridge.not_running]');
    const help = await run(process.execPath, [built.entry, 'token', '--help'], { env });
    expect(help.stdout).toMatch(/^Usage: latchkey token <mcp-url>/);
  });
});
