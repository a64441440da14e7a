/**
 * Latchkey as the client of the MCP conformance harness (@modelcontextprotocol/conformance).
 *
 * Invoked as `<command> <server-url>` with MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION
 * (the revision to speak) and, for some scenarios, MCP_CONFORMANCE_CONTEXT (JSON) in the
 * environment. It opens a throw-away wallet (memory vault, temporary home, insecure loopback
 * allowed because the harness serves plain http on localhost) and runs the MCP SDK v2 client
 * against the server without a token: the server's first 401 is handed to Latchkey's own OAuth
 * code (`wallet.handleAuthChallenge`), which discovers, registers, signs in with the challenge's
 * scopes and returns the token. Exit 0 on success; otherwise one line `latchkey-conformance: error …`
 * on stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode, isLatchkeyError } from '../../shared/errors.js';
import type { AccessTokenResult } from '../../shared/connections.js';
import type { Wallet, WalletConfig } from '../../electron/wallet/wallet-api.js';
import { openWallet } from '../../electron/wallet/wallet.js';
import { createLogger } from '../../electron/base/log/logger.js';
import { proofsFromWallet } from './extensions/dpop.js';
import { createRedirectBrowser } from './redirect-browser.js';
import { createAuthorizedFetch, runMcpSession } from './mcp-session.js';
import { CLIENT_CREDENTIALS_SCENARIOS, runClientCredentialsScenario } from './extensions/client-credentials.js';
import { WORKLOAD_IDENTITY_SCENARIOS, runWorkloadIdentityScenario } from './extensions/workload-identity.js';
import { ENTERPRISE_SCENARIOS, runEnterpriseScenario } from './extensions/enterprise.js';

/** The client_id the harness expects when its AS advertises client_id_metadata_document_supported. */
export const CONFORMANCE_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

const Context = z.looseObject({
  name: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
type Context = z.infer<typeof Context>;

interface Invocation {
  serverUrl: string;
  scenario: string;
  /** The revision the harness runs the scenario at; absent from older harness builds. */
  protocolVersion: string | undefined;
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
  const protocolVersion = env['MCP_CONFORMANCE_PROTOCOL_VERSION'];
  return {
    serverUrl,
    scenario: env['MCP_CONFORMANCE_SCENARIO'] ?? '(none)',
    protocolVersion: protocolVersion === '' ? undefined : protocolVersion,
    context,
  };
}

/**
 * Answers a 401/403 with Latchkey's OAuth code. When the AS has neither CIMD nor DCR and the
 * harness handed us a pre-registered client, stores that client for the issuer Latchkey
 * discovered (the `registration.client_id_required` error names it) and answers again — what a
 * user does with `latchkey client add`.
 */
async function answerChallenge(wallet: Wallet, invocation: Invocation, status: number, wwwAuthenticate: string | null): Promise<AccessTokenResult> {
  const params = { url: invocation.serverUrl, status, wwwAuthenticate };
  try {
    return await wallet.handleAuthChallenge(params);
  } catch (error) {
    const clientId = invocation.context.client_id;
    const issuer = isLatchkeyError(error, ErrorCode.ClientIdRequired) ? error.details['issuer'] : undefined;
    if (clientId === undefined || typeof issuer !== 'string') throw error;
    report(`wallet: using the pre-registered client ${clientId} for ${issuer}`);
    await wallet.setClient({
      issuer,
      clientId,
      ...(invocation.context.client_secret === undefined ? {} : { clientSecret: invocation.context.client_secret }),
    });
    return wallet.handleAuthChallenge(params);
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
    const fetchWithAuth = createAuthorizedFetch({
      answerChallenge: (status, wwwAuthenticate) => answerChallenge(wallet, invocation, status, wwwAuthenticate),
      report,
      proofFor: proofsFromWallet(wallet, invocation.serverUrl),
    });
    return await runMcpSession({
      serverUrl: invocation.serverUrl,
      scenario: invocation.scenario,
      protocolVersion: invocation.protocolVersion,
      context: invocation.context,
      fetch: fetchWithAuth,
    });
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
  report(`scenario ${invocation.scenario} at ${invocation.protocolVersion ?? 'no named revision'}, server ${invocation.serverUrl}`);
  try {
    const outcome = CLIENT_CREDENTIALS_SCENARIOS.has(invocation.scenario)
      ? await runClientCredentialsScenario({ ...invocation, report })
      : WORKLOAD_IDENTITY_SCENARIOS.has(invocation.scenario)
        ? await runWorkloadIdentityScenario({ ...invocation, report })
        : ENTERPRISE_SCENARIOS.has(invocation.scenario)
          ? await runEnterpriseScenario({ ...invocation, report })
          : await runConformanceClient(invocation);
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
