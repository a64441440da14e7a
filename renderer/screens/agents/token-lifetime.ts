/**
 * How a grant's token lifetime and a revocation read in the window (T38): tokens live as the
 * server issues them unless the grant sets an enforced maximum, and a revocation says until when
 * tokens the server could not revoke stay valid there.
 */
import type { Grant, GrantRevocation } from '../../../shared/agents.js';
import { formatSeconds, formatTime } from '../../components/format.js';

export interface LifetimeView {
  /** "as issued (10 min)", "as issued", "at most 5 min". */
  text: string;
  /** Set when the server's tokens outlive the grant's maximum: the agent is refused. */
  warning?: string;
}

export function describeTokenLifetime(grant: Pick<Grant, 'maxTokenLifetimeSeconds'>, serverLifetimeSeconds: number | undefined): LifetimeView {
  const server = serverLifetimeSeconds === undefined ? undefined : formatSeconds(serverLifetimeSeconds);
  const max = grant.maxTokenLifetimeSeconds;
  if (max === undefined) return { text: server === undefined ? 'as issued' : `as issued (${server})` };
  const text = `at most ${formatSeconds(max)}`;
  if (serverLifetimeSeconds === undefined || serverLifetimeSeconds <= max) return { text };
  return {
    text,
    warning: `The server issues ${server ?? ''} tokens, longer than this grant allows, so the agent is refused. Raise the token lifetime to at least ${server ?? ''}, choose “as issued”, or ask the server’s admin for shorter tokens.`,
  };
}

/** What became of the tokens already handed out, for the notice after revoking. */
export function describeRevocation(result: GrantRevocation): string {
  const tokens = (n: number): string => (n === 1 ? '1 token' : `${n} tokens`);
  if (result.unrevokedTokens > 0) {
    const until = result.validUntil === undefined ? 'until they expire' : `until ${formatTime(result.validUntil)}`;
    const why = result.revocationError === undefined ? '' : ` (${result.revocationError})`;
    return `The server could not revoke what it already issued${why}: ${tokens(result.unrevokedTokens)} handed out ${result.unrevokedTokens === 1 ? 'stays' : 'stay'} valid at the server ${until}.`;
  }
  if (result.revokedTokens > 0) return `The ${tokens(result.revokedTokens)} already handed out ${result.revokedTokens === 1 ? 'was' : 'were'} revoked at the server.`;
  return 'No token handed out under it since the wallet started is still valid.';
}
