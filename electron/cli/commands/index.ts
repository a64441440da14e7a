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

export { GROUPS } from './groups.js';

/** Every command, in the order help lists them, loaded at once (tests; scripts/cli-command-table.ts writes the lazy table.ts from it). */
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
