/**
 * An agent as a user sets one up: enrolled with `latchkey agent add`, granted `latchkey grant add`,
 * and an MCP SDK (v1) client whose stdio server is `latchkey mcp <url>`, either started inside a
 * `latchkey run --agent <name>` session (the session secret in its environment) or with the
 * agent secret `latchkey agent add` printed. Needs a running `latchkey daemon` for `env`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI_MAIN, REPO_ROOT, runCliOk } from './run-cli.js';

export interface AgentMcpOptions {
  /** The Latchkey home, runtime dir and keychain settings of the daemon. */
  env: Record<string, string>;
  name: string;
  url: string;
  scopes: readonly string[];
  /** 'run' (default): inside `latchkey run --agent <name>`; 'secret': with LATCHKEY_AGENT_SECRET set. */
  via?: 'run' | 'secret';
}

/** Enrols the agent, grants it `scopes` on `url` and connects its MCP client to `latchkey mcp <url>`. */
export async function startAgentMcp(options: AgentMcpOptions): Promise<Client> {
  const { env, name, url, scopes } = options;
  const secret = (await runCliOk(['agent', 'add', name], env)).trim();
  await runCliOk(['grant', 'add', name, url, ...scopes.flatMap((scope) => ['--scope', scope])], env);
  const mcp = ['--import', 'tsx', CLI_MAIN, 'mcp', '--allow-insecure-loopback', url];
  const viaRun = options.via !== 'secret';
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: viaRun ? ['--import', 'tsx', CLI_MAIN, 'run', '--agent', name, '--', process.execPath, ...mcp] : mcp,
      cwd: REPO_ROOT,
      env: { ...inheritedEnv(), ...env, ...(viaRun ? {} : { LATCHKEY_AGENT_SECRET: secret }) },
      stderr: 'pipe',
    }),
  );
  return client;
}

/** The text parts of a tool result. */
export function toolText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
