/**
 * `latchkey agent jwks`: the public keys of an agent's own clients (protocol.md R5), for the
 * administrator of the authorization server: a JWK set, or with --cimd a Client ID Metadata
 * Document to host at that URL (client_id = the URL). Only public members ever leave the wallet.
 */
import { assertClientMetadataUrl } from '../../wallet/oauth/register-client.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { writeInertJson } from '../sanitize.js';
import { defineCommand, getString, requirePositional, type RawArgs } from '../spec.js';

export interface AgentJwksArgs {
  agent: string;
  server?: string;
  /** The https URL the administrator will host the document at (it is the client id). */
  cimd?: string;
}

export function parseAgentJwksArgs(raw: RawArgs): AgentJwksArgs {
  const agent = requirePositional(raw, 0, 'the agent name or id');
  const server = getString(raw.values, 'server');
  const cimd = getString(raw.values, 'cimd');
  if (cimd !== undefined) assertClientMetadataUrl(cimd);
  return { agent, ...(server === undefined ? {} : { server }), ...(cimd === undefined ? {} : { cimd }) };
}

/** The document the administrator hosts at `url`: the client credentials grant, private_key_jwt, the agent's keys. */
export function clientMetadataDocument(url: string, agentName: string, jwks: { keys: Array<Record<string, unknown>> }): Record<string, unknown> {
  return {
    client_id: url,
    client_name: agentName,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks,
  };
}

export async function runAgentJwks(wallet: Wallet, args: AgentJwksArgs, io: CliIo): Promise<number> {
  const jwks = await wallet.agentJwks({ agent: args.agent, ...(args.server === undefined ? {} : { server: args.server }) });
  if (args.cimd === undefined) {
    writeInertJson(io, jwks);
    return EXIT_OK;
  }
  const agent = (await wallet.listAgents()).find((candidate) => candidate.id === args.agent || candidate.name === args.agent);
  writeInertJson(io, clientMetadataDocument(args.cimd, agent?.name ?? args.agent, jwks));
  writeLine(io.stderr, `Host this document at ${args.cimd} (https, as application/json); the administrator then knows the agent's client by that URL.`);
  return EXIT_OK;
}

export const agentJwksCommand = defineCommand(
  {
    path: ['agent', 'jwks'],
    usage: 'latchkey agent jwks <name|id> [--server URL] [--cimd CLIENT_ID_URL]',
    summary: "Print the public keys of an agent's own clients (a JWK set, or a client metadata document).",
    description:
      "Prints, on stdout, the public JWK set of the agent's own client keys (all of them, or the one for --server), with each key's " +
      'RFC 7638 thumbprint as its kid, for the administrator of the authorization server to register. With --cimd prints a Client ID ' +
      'Metadata Document instead (client_id = that URL, the keys, the client credentials grant, private_key_jwt) for the administrator ' +
      'to host at that URL. The private keys never leave the vault.',
    examples: ['latchkey agent jwks ci-bot > ci-bot.jwks.json', 'latchkey agent jwks ci-bot --cimd https://agents.example.com/ci-bot.json'],
    positionals: ['<name|id>'],
    options: {
      server: { type: 'string', valueName: 'URL', description: "Only the key of the agent's client for this MCP server." },
      cimd: { type: 'string', valueName: 'URL', description: 'Print a client metadata document to host at this https URL (its client id).' },
    },
  },
  parseAgentJwksArgs,
  runAgentJwks,
);
