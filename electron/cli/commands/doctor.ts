/**
 * `latchkey doctor`: checks what a first run needs and says how to fix each thing that is
 * missing. It never opens the vault; the keychain check reads one entry that never exists.
 */
import { accessSync, constants } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';
import { defaultRuntimeDir, readBridgeDiscovery } from '../../base/runtime/discovery.js';
import { findOwnerEndpoint } from '../../wallet/host/owner-client.js';
import { runChecks, type CheckResult, type DoctorPorts } from '../doctor/checks.js';
import { writeLine } from '../io.js';
import { defineHostCommand, getFlag, JSON_OPTION, type CommandSpec } from '../spec.js';

const KEYCHAIN_PROBE_TIMEOUT_MS = 3_000;
const CONNECT_TIMEOUT_MS = 2_000;

function isOnPath(name: string, env: NodeJS.ProcessEnv): boolean {
  if (name.includes('/')) return false;
  return (env['PATH'] ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether something accepts a connection there (a Unix socket path, or http://127.0.0.1:port). */
function answers(where: string): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: Socket;
    if (where.startsWith('http://')) {
      const url = new URL(where);
      socket = connect({ host: url.hostname, port: Number(url.port) });
    } else socket = connect({ path: where });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const doctor = defineHostCommand(
  {
    path: ['doctor'],
    usage: 'latchkey doctor [--json]',
    summary: 'Check what Latchkey needs here (Node, keychain, D-Bus, display, browser, daemon, bridge) and how to fix what is missing.',
    description:
      'One line per check: ok, warn (Latchkey works around it, e.g. the headless host without a display) or fail ' +
      '(something you asked for cannot work), each with what to do. Exits 1 when a check fails. It never opens the vault.',
    examples: ['latchkey doctor', 'latchkey doctor --json'],
    options: { json: JSON_OPTION },
    positionals: [],
  },
  (raw) => ({ json: getFlag(raw.values, 'json') }),
  async (args, { config, io, context }) => {
    const env = context.env;
    const runtimeDir = defaultRuntimeDir({ ...env, LATCHKEY_HOME: config.home });
    const ports: DoctorPorts = {
      env,
      platform: process.platform,
      nodeVersion: process.versions.node,
      vaultMode: config.vault.mode,
      probeKeychain: async () => {
        const { createKeytarSecretStore, probeKeychain } = await import('../../wallet/vault/index.js');
        return probeKeychain(createKeytarSecretStore({ timeoutMs: KEYCHAIN_PROBE_TIMEOUT_MS }));
      },
      onPath: (name) => isOnPath(name, env),
      findDaemon: async () => (await findOwnerEndpoint(runtimeDir))?.socketPath,
      probeBridge: async () => {
        try {
          const discovery = readBridgeDiscovery(runtimeDir);
          const where = discovery.socket ?? discovery.url;
          return { where, reachable: await answers(where) };
        } catch (error) {
          if (isLatchkeyError(error, ErrorCode.BridgeNotRunning)) return undefined;
          throw error;
        }
      },
    };
    const results = await runChecks(ports);
    const failed = results.some((result) => result.status === 'fail');
    if (args.json) writeLine(io.stdout, JSON.stringify({ ok: !failed, checks: results }, null, 2));
    else for (const result of results) printResult(result, io.stdout);
    return failed ? 1 : 0;
  },
);

/** A check, not an owner action: it runs inside an agent session too (an agent's bridge trouble is what it diagnoses). */
export const doctorCommand: CommandSpec = { ...doctor, allowedInAgentSession: true };

function printResult(result: CheckResult, out: { write(chunk: string): unknown }): void {
  writeLine(out, `${result.status.padEnd(4)}  ${result.name.padEnd(8)}  ${result.detail}`);
  if (result.fix !== undefined) writeLine(out, `${' '.repeat(16)}fix: ${result.fix}`);
}
