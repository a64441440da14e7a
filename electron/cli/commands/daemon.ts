/**
 * `latchkey daemon`: the long-lived wallet. It owns the vault, serves the agent bridge (Unix
 * socket + 127.0.0.1) and the owner socket the other commands use, and prints what needs you.
 */
import type { Approval } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { defaultRuntimeDir } from '../../core/bridge/discovery.js';
import { findOwnerEndpoint } from '../../core/host/owner-client.js';
import { startDaemon } from '../../core/host/daemon.js';
import { writeLine } from '../io.js';
import { sanitizeForTerminal } from '../sanitize.js';
import { defineHostCommand } from '../spec.js';
import { UsageError } from '../usage-error.js';

const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 120;

export const daemonCommand = defineHostCommand(
  {
    path: ['daemon'],
    usage: 'latchkey daemon [--approval-timeout SECONDS]',
    summary: 'Run the wallet for your agents: the token bridge, approvals and the owner socket.',
    description:
      'Keeps the vault open and serves the agent bridge on a private Unix socket and on 127.0.0.1, ' +
      'so `latchkey run`, `latchkey token` and `latchkey mcp` work for agents. While it runs, the other ' +
      'latchkey commands talk to it. Requests that need you are printed here; decide them with ' +
      '`latchkey approve <id>` or `latchkey deny <id>`. Stop it with Ctrl-C.',
    examples: ['latchkey daemon', 'latchkey daemon --approval-timeout 300 &'],
    options: {
      'approval-timeout': {
        type: 'string',
        valueName: 'SECONDS',
        description: `How long an agent's request waits for your decision before it is denied (default ${DEFAULT_APPROVAL_TIMEOUT_SECONDS}).`,
      },
    },
    positionals: [],
  },
  (raw) => {
    const value = raw.values['approval-timeout'];
    if (value === undefined) return { approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_SECONDS * 1000 };
    const seconds = Number(value);
    if (typeof value !== 'string' || !Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw new UsageError('--approval-timeout takes whole seconds from 1 to 3600.');
    }
    return { approvalTimeoutMs: seconds * 1000 };
  },
  async (args, { config, io, context, logger, opener, signal }) => {
    const runtimeDir = defaultRuntimeDir({ ...context.env, LATCHKEY_HOME: config.home });
    const running = await findOwnerEndpoint(runtimeDir).catch(() => undefined);
    if (running !== undefined) {
      throw new LatchkeyError(ErrorCode.VaultInUse, 'A Latchkey daemon is already running for this data directory.', {
        hint: 'Use it (every latchkey command talks to it), or stop it first.',
      });
    }
    const daemon = await startDaemon(
      { ...config, vault: { ...config.vault, lockWaitMs: config.vault.lockWaitMs ?? 0 } },
      { opener, logger, env: context.env },
      { runtimeDir, approvalTimeoutMs: args.approvalTimeoutMs, onApproval: (approval) => announce(approval, (line) => writeLine(io.stderr, line)) },
    );
    if (daemon.wallet.vaultStatus.warning !== undefined) writeLine(io.stderr, `warning: ${daemon.wallet.vaultStatus.warning}`);
    writeLine(io.stderr, `Latchkey daemon running (vault: ${daemon.wallet.vaultStatus.backend}).`);
    if (daemon.bridge.socketPath !== undefined) writeLine(io.stderr, `  agent bridge: ${daemon.bridge.socketPath}`);
    if (daemon.bridge.url !== undefined) writeLine(io.stderr, `  agent bridge: ${daemon.bridge.url}`);
    writeLine(io.stderr, `  owner socket: ${daemon.owner.socketPath}`);
    writeLine(io.stderr, 'Press Ctrl-C to stop.');

    await new Promise<void>((resolve) => {
      const unsubscribe = context.signals.onSignal(() => done());
      const done = (): void => {
        unsubscribe();
        signal.removeEventListener('abort', done);
        resolve();
      };
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    });
    writeLine(io.stderr, 'Stopping …');
    await daemon.close();
    writeLine(io.stderr, 'Stopped.');
    return 0;
  },
);

function announce(approval: Approval, write: (line: string) => void): void {
  const who = sanitizeForTerminal(approval.agentName);
  if (approval.kind === 'enrolment') {
    write(`Approval needed [${approval.id}]: a program asks to enrol as agent "${who}".`);
  } else {
    const scopes = approval.scopes === undefined || approval.scopes.length === 0 ? 'its default scopes' : sanitizeForTerminal(approval.scopes.join(' '));
    write(`Approval needed [${approval.id}]: agent "${who}" asks for ${sanitizeForTerminal(approval.resource ?? '?')} (${scopes}).`);
  }
  write(`  latchkey approve ${approval.id} [--remember]   |   latchkey deny ${approval.id}`);
}
