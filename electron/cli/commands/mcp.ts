import { ErrorCode, type LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, parseSecureUrl } from '../../../shared/url.js';
import { redact } from '../../base/log/logger.js';
import { bridgeTokenSource, PROTOCOL_CHOICES, startMcpProxy, type ProtocolChoice } from '../../agent/proxy/index.js';
import { connectAgentBridge } from '../agent-mode.js';
import { writeLine, type CliIo } from '../io.js';
import { announceWaiting } from '../waiting-line.js';
import { EXIT_FAILURE, EXIT_OK } from '../output.js';
import { defineAgentCommand, getFlag, getString, requirePositional, type CommandContext, type RawArgs } from '../spec.js';
import { sanitizeForTerminal as inert } from '../sanitize.js';
import { CancelledError, UsageError } from '../usage-error.js';
import { ACCOUNT_OPTION, parseAccount } from '../account-option.js';

export interface McpArgs {
  url: string;
  allowInsecureLoopback: boolean;
  verbose: boolean;
  protocol: ProtocolChoice;
  /** --account: which of the owner's accounts on the server (T8); undefined: the one the agent's grant names. */
  account: string | undefined;
  signal: AbortSignal;
}

function parseProtocol(text: string | undefined): ProtocolChoice {
  if (text === undefined) return 'auto';
  const choice = PROTOCOL_CHOICES.find((known) => known === text);
  if (choice === undefined) throw new UsageError(`--protocol "${inert(text)}" is not a protocol choice.`, `Use one of: ${PROTOCOL_CHOICES.join(', ')}.`);
  return choice;
}

export function parseMcpArgs(raw: RawArgs): McpArgs {
  return {
    url: requirePositional(raw, 0, 'the MCP server URL'),
    allowInsecureLoopback: getFlag(raw.values, 'allow-insecure-loopback'),
    verbose: getFlag(raw.values, 'verbose'),
    protocol: parseProtocol(getString(raw.values, 'protocol')),
    account: parseAccount(raw),
    signal: raw.signal,
  };
}

/** stdout belongs to the MCP protocol: every problem is one line on stderr, with its code. */
function reportLine(io: CliIo, error: LatchkeyError): void {
  const hint = error.hint === undefined ? '' : ` (${error.hint})`;
  writeLine(io.stderr, `latchkey mcp: error[${error.code}]: ${redact(error.message)}${redact(hint)}`);
}

/**
 * --allow-insecure-loopback, or LATCHKEY_ALLOW_INSECURE_LOOPBACK. The settings parser (cli/config.ts)
 * is loaded only when the variable is set: it brings the wallet's configuration schemas, which
 * every other `latchkey mcp` start would compile and build for nothing.
 */
async function allowsInsecureLoopback(args: McpArgs, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (args.allowInsecureLoopback) return true;
  const value = env['LATCHKEY_ALLOW_INSECURE_LOOPBACK'];
  if (value === undefined) return false;
  const { parseBooleanEnv } = await import('../config.js');
  return parseBooleanEnv('LATCHKEY_ALLOW_INSECURE_LOOPBACK', value) ?? false;
}

export async function runMcp(args: McpArgs, io: CliIo, context: CommandContext): Promise<number> {
  const policy = { allowInsecureLoopback: await allowsInsecureLoopback(args, context.env) };
  const url = parseSecureUrl(args.url, policy, 'MCP server URL');
  // stderr is the MCP host's log: the owner sees there which approval the agent waits for.
  const bridge = await connectAgentBridge(context.env, { onWaiting: announceWaiting(io.stderr, 'latchkey mcp') });
  try {
    const proxy = await startMcpProxy({
      url,
      tokens: bridgeTokenSource(bridge, canonicalResource(url, policy), args.account),
      // URL elicitations go to the wallet through the bridge: the agent never sees the URL.
      elicitations: bridge,
      input: io.stdin,
      output: io.stdout,
      protocol: args.protocol,
      report: (error) => reportLine(io, error),
      ...(args.verbose ? { debug: (line: string) => writeLine(io.stderr, `latchkey mcp: ${redact(line)}`) } : {}),
    });
    const onAbort = (): void => void proxy.close();
    args.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await proxy.done;
    args.signal.removeEventListener('abort', onAbort);
    if (args.signal.aborted) throw new CancelledError();
    return exit.reason === 'remote-gone' ? EXIT_FAILURE : EXIT_OK;
  } finally {
    bridge.close();
  }
}

export const mcpCommand = defineAgentCommand(
  {
    path: ['mcp'],
    usage: 'latchkey mcp <mcp-url> [--account LABEL] [--protocol auto|2025-11-25|2026-07-28]',
    summary: 'A stdio MCP server that forwards to a remote MCP server with tokens from Latchkey.',
    description:
      'For MCP clients that start local servers (Claude Code, Claude Desktop, Cursor, VS Code): configure the command ' +
      '"latchkey" with the arguments ["mcp", "<mcp-url>"]. Every JSON-RPC message is forwarded as it is to the remote ' +
      'Streamable HTTP server when both speak the same protocol era; a client and a server of different eras are bridged ' +
      '(a 2025 initialize answered from server/discover, a 2026-07-28 server/discover from a 2025 initialize; the request ' +
      'envelope added or removed; input_required turned into requests to the client and back). --protocol auto (the default) ' +
      "tries the client's era first and the other after a refusal; --protocol 2025-11-25 or 2026-07-28 names the server's era " +
      'and skips that refused try. Every request carries ' +
      'a short-lived access token from the Latchkey bridge (the agent\'s grant, or the owner\'s approval). ' +
      'A 401 gets a fresh token; a 403 insufficient_scope asks the owner for the wider scopes (step-up). ' +
      'URL-mode elicitations (a server asking the user to open a page) go to the owner in Latchkey, never to the agent; ' +
      'the request that needed the page is retried once the server says it is done or the owner presses retry. ' +
      'Runs for an agent: inside "latchkey run", or with LATCHKEY_AGENT_SECRET set. Never opens the vault. ' +
      'With more than one of the owner\'s accounts on the server, --account names which (the agent\'s grant must name it too). ' +
      `stdout carries only the protocol; problems are single lines on stderr ("latchkey mcp: error[${ErrorCode.Unreachable}]: …").`,
    examples: [
      'latchkey mcp https://mcp.example.com/mcp',
      'latchkey run --agent claude -- claude   # with {"command": "latchkey", "args": ["mcp", "https://mcp.example.com/mcp"]} in its MCP config',
    ],
    positionals: ['<mcp-url>'],
    options: {
      account: ACCOUNT_OPTION,
      protocol: {
        type: 'string',
        valueName: 'REV',
        description: "The server's protocol revision: auto (default: probe, bridge on a refusal), 2025-11-25 or 2026-07-28 (skip the probe).",
      },
    },
  },
  parseMcpArgs,
  runMcp,
);
