/**
 * Latchkey as the client of the MCP conformance harness (@modelcontextprotocol/conformance).
 *
 * Invoked as `<command> <server-url>` with MCP_CONFORMANCE_SCENARIO and, for some scenarios,
 * MCP_CONFORMANCE_CONTEXT (JSON) in the environment. It opens a throw-away wallet (memory vault,
 * temporary home, insecure loopback allowed because the harness serves plain http on localhost),
 * connects with Latchkey's own OAuth code, then initializes, lists tools and calls test-tool with
 * the MCP SDK. Exit 0 on success; otherwise one line `latchkey-conformance: error …` on stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode, isLatchkeyError } from '../../shared/errors.js';
import type { ConnectProgress } from '../../shared/connections.js';
import type { Wallet, WalletConfig } from '../../electron/wallet/wallet-api.js';
import { openWallet } from '../../electron/wallet/wallet.js';
import { createLogger } from '../../electron/base/log/logger.js';
import { createRedirectBrowser } from './redirect-browser.js';
import { createAuthorizedFetch, runMcpSession } from './mcp-session.js';

/** The client_id the harness expects when its AS advertises client_id_metadata_document_supported. */
export const CONFORMANCE_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';
const BROWSER_TIMEOUT_MS = 20_000;

const Context = z.looseObject({
  name: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
type Context = z.infer<typeof Context>;

interface Invocation {
  serverUrl: string;
  scenario: string;
  context: Context;
}

function report(line: string): void {
  process.stderr.write(`latchkey-conformance: ${line}\n`);
}

function readInvocation(argv: string[], env: NodeJS.ProcessEnv): Invocation {
  const serverUrl = argv.at(-1);
  if (serverUrl === undefined || !URL.canParse(serverUrl)) throw new Error('usage: latchkey-client <mcp-server-url> (the harness appends it)');
  const rawContext = env['MCP_CONFORMANCE_CONTEXT'];
  const context = rawContext === undefined || rawContext === '' ? {} : Context.parse(JSON.parse(rawContext));
  return { serverUrl, scenario: env['MCP_CONFORMANCE_SCENARIO'] ?? '(none)', context };
}

function describeProgress(event: ConnectProgress): string {
  switch (event.step) {
    case 'probing':
      return `probing ${event.resource}`;
    case 'discovered':
      return `discovered issuer ${event.issuer}`;
    case 'registered':
      return `client ${event.clientId} (${event.registration})`;
    case 'browser':
      return 'opening the authorization URL';
    case 'exchanging':
      return 'exchanging the code';
    case 'connected':
      return `connected, scope "${event.connection.scopes.join(' ')}"`;
  }
}

/**
 * Connects and says whether the server is protected at all; when the AS has neither CIMD nor DCR and the harness handed us a pre-registered client,
 * stores that client for the issuer Latchkey discovered (the `registration.client_id_required`
 * error names it) and connects again — what a user does with `latchkey client add`.
 */
async function connectWallet(wallet: Wallet, invocation: Invocation): Promise<boolean> {
  const options = { onProgress: (event: ConnectProgress) => report(`wallet: ${describeProgress(event)}`), timeoutMs: BROWSER_TIMEOUT_MS };
  try {
    await wallet.connect({ url: invocation.serverUrl, ...options });
    return true;
  } catch (error) {
    if (isLatchkeyError(error, ErrorCode.ResourceNotProtected)) {
      report('wallet: the server is not protected; continuing without a token');
      return false;
    }
    const clientId = invocation.context.client_id;
    const issuer = isLatchkeyError(error, ErrorCode.ClientIdRequired) ? error.details['issuer'] : undefined;
    if (clientId === undefined || typeof issuer !== 'string') throw error;
    report(`wallet: using the pre-registered client ${clientId} for ${issuer}`);
    await wallet.setClient({
      issuer,
      clientId,
      ...(invocation.context.client_secret === undefined ? {} : { clientSecret: invocation.context.client_secret }),
    });
    await wallet.connect({ url: invocation.serverUrl, ...options });
    return true;
  }
}

async function runConformanceClient(invocation: Invocation): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'latchkey-conformance-'));
  const browser = createRedirectBrowser(report);
  const config: WalletConfig = {
    home,
    allowInsecureLoopback: true,
    vault: { mode: 'memory' },
    // No allowedHosts: insecure loopback already lets the SSRF guard reach 127.0.0.1 and ::1.
    clientMetadataUrl: CONFORMANCE_CLIENT_METADATA_URL,
  };
  const wallet = await openWallet(config, { opener: browser, logger: createLogger({ level: 'debug' }) });
  try {
    const connected = await connectWallet(wallet, invocation);
    // A server that needs no token (the harness' non-auth scenarios) is used without one.
    const token = connected ? (await wallet.accessToken({ url: invocation.serverUrl })).accessToken : undefined;
    const fetchWithAuth = createAuthorizedFetch({ wallet, resource: invocation.serverUrl, initialToken: token, report });
    const session = await runMcpSession(invocation.serverUrl, fetchWithAuth);
    return `tools=[${session.tools.join(',')}] test-tool="${session.toolResult}"`;
  } finally {
    await wallet.close();
    await browser.settle();
    await rm(home, { recursive: true, force: true });
  }
}

function describeError(error: unknown): string {
  if (isLatchkeyError(error)) return `${error.code}: ${error.message}${error.hint === undefined ? '' : ` (${error.hint})`}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

async function main(): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = readInvocation(process.argv.slice(2), process.env);
  } catch (error) {
    report(`error ${describeError(error)}`);
    return 2;
  }
  report(`scenario ${invocation.scenario}, server ${invocation.serverUrl}`);
  try {
    const outcome = await runConformanceClient(invocation);
    process.stdout.write(`latchkey-conformance: ok ${invocation.scenario} ${outcome}\n`);
    return 0;
  } catch (error) {
    report(`error ${describeError(error).replace(/\s+/g, ' ')}`);
    return 1;
  }
}

const exitCode = await main();
process.exitCode = exitCode;
// Should a handle outlive the run (a socket, a timer), do not make the harness wait for its timeout.
setTimeout(() => {
  report('warning: handles still open 2 s after the run; exiting');
  process.exit(exitCode);
}, 2_000).unref();
