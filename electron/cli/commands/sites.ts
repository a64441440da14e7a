/**
 * latchkey sites [--server URL] [--json]
 * latchkey sites remove <server> <site>
 *
 * The sites whose pages a server may open without asking (the owner approved a URL elicitation
 * with "always allow"), and taking one back so its pages ask again. Runs against the daemon's
 * wallet when one is running (the owner socket), like the other owner commands.
 */
import type { AllowedSite } from '../../../shared/api.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_FAILURE, EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, type RawArgs } from '../spec.js';
import { alignColumns, formatTime } from '../table.js';
import { UsageError } from '../usage-error.js';

const USAGE = 'latchkey sites [--server URL] [--json]  |  latchkey sites remove <server> <site>';

export type SitesArgs =
  | { action: 'list'; server?: string; json: boolean }
  | { action: 'remove'; server: string; site: string; json: boolean };

export function parseSitesArgs(raw: RawArgs): SitesArgs {
  const [verb, server, site] = raw.positionals;
  const json = getFlag(raw.values, 'json');
  const serverOption = getString(raw.values, 'server');
  if (verb === undefined) return { action: 'list', json, ...(serverOption === undefined ? {} : { server: serverOption }) };
  if (verb !== 'remove') throw new UsageError(`Unknown sub-command "${inert(verb)}" for "latchkey sites".`, `Usage: ${USAGE}`);
  if (server === undefined || server === '' || site === undefined || site === '') {
    throw new UsageError('"latchkey sites remove" needs <server> <site>.', `Usage: ${USAGE}`);
  }
  if (serverOption !== undefined) throw new UsageError('--server is for listing; "latchkey sites remove" takes the server as its first argument.');
  return { action: 'remove', server, site: site.toLowerCase(), json };
}

export function formatSites(sites: readonly AllowedSite[]): string[] {
  const rows = sites.map((entry) => [inert(entry.server), inert(entry.site), formatTime(entry.createdAt)]);
  return alignColumns([['SERVER', 'SITE', 'ALLOWED SINCE'], ...rows]);
}

export async function runSites(wallet: Wallet, args: SitesArgs, io: CliIo): Promise<number> {
  if (args.action === 'remove') {
    const removed = await wallet.removeAllowedSite({ server: args.server, site: args.site });
    if (args.json) writeInertJson(io, { removed });
    if (!removed) {
      writeLine(io.stderr, `${inert(args.site)} is not an allowed site of ${inert(args.server)}; nothing changed.`);
      writeLine(io.stderr, 'See the allowed sites with: latchkey sites');
      return EXIT_FAILURE;
    }
    if (!args.json) writeLine(io.stdout, `Removed ${inert(args.site)} for ${inert(args.server)}: its pages ask you again before they open.`);
    return EXIT_OK;
  }
  const sites = await wallet.listAllowedSites(args.server === undefined ? {} : { server: args.server });
  if (args.json) writeInertJson(io, sites);
  else if (sites.length === 0) writeLine(io.stderr, 'No allowed sites: every page a server asks to open waits for your approval.');
  else for (const line of formatSites(sites)) writeLine(io.stdout, line);
  return EXIT_OK;
}

export const sitesCommand = defineCommand(
  {
    path: ['sites'],
    usage: USAGE,
    summary: 'List or remove the sites whose pages a server may open without asking.',
    description:
      'When a server asks you to open a page (a sign-in, a payment) and you approve it with "always allow", pages of that site ' +
      '(its registrable domain, e.g. example.com) open for that server from then on without asking, as long as the address carries no ' +
      'warning. "latchkey sites" lists these pairs; "latchkey sites remove <server> <site>" takes one back, so its pages ask again.',
    examples: ['latchkey sites', 'latchkey sites --server https://mcp.example.com/mcp --json', 'latchkey sites remove https://mcp.example.com/mcp pay.example'],
    positionals: ['[remove', '<server>', '<site>]'],
    optionalPositionals: 3,
    options: {
      server: { type: 'string', valueName: 'URL', description: 'Only the sites of this MCP server.' },
      json: JSON_OPTION,
    },
  },
  parseSitesArgs,
  runSites,
);
