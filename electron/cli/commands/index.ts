import type { CommandSpec } from '../spec.js';
import { agentAddCommand, agentListCommand, agentRemoveCommand, agentShowCommand } from './agent.js';
import { agentJwksCommand } from './agent-jwks.js';
import { agentCredentialsCommand } from './agent-credentials.js';
import { approvalsCommand, approveCommand, denyCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { clientAddCommand, clientListCommand, clientRemoveCommand } from './client.js';
import { connectCommand } from './connect.js';
import { connectionsCommand } from './connections.js';
import { daemonCommand } from './daemon.js';
import { enrolCommand } from './enrol.js';
import { enterpriseForgetCommand, enterpriseSetCommand, enterpriseSignInCommand, enterpriseStatusCommand } from './enterprise.js';
import { disconnectCommand } from './disconnect.js';
import { doctorCommand } from './doctor.js';
import { grantAddCommand, grantEditCommand, grantListCommand, grantRevokeCommand } from './grant.js';
import { mcpCommand } from './mcp.js';
import { policyApplyCommand, policyDiffCommand, policyExportCommand } from './policy.js';
import { runCommand } from './run.js';
import { sessionEndCommand, sessionsCommand } from './sessions.js';
import { sitesCommand } from './sites.js';
import { startCommand } from './start.js';
import { tokenCommand } from './token.js';
import { uiCommand } from './ui.js';
import { whoamiCommand } from './whoami.js';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  connectCommand,
  connectionsCommand,
  disconnectCommand,
  tokenCommand,
  clientAddCommand,
  clientListCommand,
  clientRemoveCommand,
  enterpriseSetCommand,
  enterpriseSignInCommand,
  enterpriseStatusCommand,
  enterpriseForgetCommand,
  agentAddCommand,
  agentListCommand,
  agentShowCommand,
  agentRemoveCommand,
  agentCredentialsCommand,
  agentJwksCommand,
  sessionsCommand,
  sessionEndCommand,
  grantListCommand,
  grantAddCommand,
  grantEditCommand,
  grantRevokeCommand,
  approvalsCommand,
  approveCommand,
  denyCommand,
  sitesCommand,
  policyExportCommand,
  policyDiffCommand,
  policyApplyCommand,
  auditCommand,
  daemonCommand,
  startCommand,
  doctorCommand,
  uiCommand,
  runCommand,
  mcpCommand,
  whoamiCommand,
  enrolCommand,
];

/** Command groups: a word that only introduces sub-commands. */
export const GROUPS: Record<string, { summary: string; description: string }> = {
  client: {
    summary: 'Manage the OAuth clients Latchkey uses with each authorization server.',
    description: 'Latchkey registers itself where it can (client metadata document or dynamic registration). Use these when a server needs a client you registered yourself.',
  },
  enterprise: {
    summary: "Enterprise-managed connections: your organisation's identity provider and your one sign-in there.",
    description: 'set names the identity provider, sign-in signs you in once in the browser, and every connection made with latchkey connect URL --enterprise gets its tokens from that sign-in, without a browser.',
  },
  agent: {
    summary: 'Enrol, list and remove the local agents that may ask Latchkey for tokens.',
    description: 'An agent is a program (a coding assistant, a CI job) with its own secret. It gets tokens only under grants you give it or requests you approve.',
  },
  session: {
    summary: 'End an agent session (see latchkey sessions).',
    description: 'A session is one run of an agent under latchkey run, with its own short-lived secret.',
  },
  grant: {
    summary: 'Decide which agent may get tokens for which server, with which scopes and for how long.',
    description: 'A grant is agent × server × scopes × longest token lifetime × optional expiry × mode (allow, or ask each time). Without a grant an agent\'s request waits for your approval.',
  },
  policy: {
    summary: 'Keep your agents, grants and allowed sites in a file: export it, review it like code, apply it.',
    description: 'export writes the file (never a secret), diff shows what a file would change, apply makes the change after you confirm it.',
  },
};
