/** An agent's grants: server and account (T8), scopes, token lifetime, mode, expiry, last use; edit or revoke. */
import { useState } from 'react';
import type { Grant, GrantRevocation } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatRelative, formatTime } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { GrantEditor } from './GrantEditor.js';
import { describeRevocation, describeTokenLifetime } from './token-lifetime.js';

export function GrantsTable({ grants }: { grants: Grant[] }) {
  const revokeGrant = useWallet((s) => s.revokeGrant);
  const connections = useWallet((s) => s.connections);
  const now = useNow();
  const [editing, setEditing] = useState<Grant | undefined>(undefined);
  const [revoked, setRevoked] = useState<{ resource: string; result: GrantRevocation } | undefined>(undefined);
  const serverLifetime = (grant: Grant): number | undefined =>
    connections.find((c) => c.resource === grant.resource && c.account === grant.account)?.tokenLifetimeSeconds;
  const revoke = async (grant: Grant): Promise<void> => {
    const result = await revokeGrant(grant.id);
    if (result !== undefined) setRevoked({ resource: grant.resource, result });
  };
  const revokedNotice = revoked !== undefined && (
    <p className="muted" role="status">
      Revoked the grant for <Text value={revoked.resource} ltr wrap />. {describeRevocation(revoked.result)}
    </p>
  );

  if (grants.length === 0) {
    return (
      <>
        {revokedNotice}
        <p className="muted">
          No grants. The agent&apos;s first request for a server asks you in Approvals; &ldquo;Approve and remember&rdquo; creates a
          grant. Or run <code>latchkey grant add &lt;agent&gt; &lt;mcp-url&gt; --scope …</code>.
        </p>
      </>
    );
  }
  return (
    <>
      {revokedNotice}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Scopes</th>
              <th scope="col">Token lifetime</th>
              <th scope="col">Mode</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.map((grant) => (
              <tr key={grant.id}>
                <td className="cell-url">
                  <Text value={grant.resource} ltr />
                  {grant.account === undefined ? null : (
                    <span className="small-print">
                      account <Text value={grant.account} />
                    </span>
                  )}
                  {grant.narrowing === 'unsupported' && (
                    <p className="warning">The server cannot narrow tokens to these scopes: widen the grant to the connection&apos;s scopes, or the agent is refused.</p>
                  )}
                </td>
                <td>
                  <Scopes scopes={grant.scopes} />
                </td>
                <td>
                  <TokenLifetime grant={grant} serverLifetimeSeconds={serverLifetime(grant)} />
                </td>
                <td>{grant.mode === 'ask' ? 'ask each time' : 'allow'}</td>
                <td title={grant.expiresAt === undefined ? undefined : formatTime(grant.expiresAt)}>
                  {grant.expiresAt === undefined ? 'never' : formatRelative(grant.expiresAt, now)}
                </td>
                <td title={grant.lastUsedAt === undefined ? undefined : formatTime(grant.lastUsedAt)}>{formatRelative(grant.lastUsedAt, now)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="button small" onClick={() => setEditing(grant)}>
                      Edit grant
                    </button>
                    <ConfirmButton small label="Revoke grant" title="Revoke this grant?" confirmLabel="Revoke" onConfirm={() => revoke(grant)}>
                      <p>
                        The agent can no longer get tokens for <Text value={grant.resource} ltr wrap />; its next request asks you again.
                        Tokens already handed out are revoked at the server where it can; where it cannot, they stay valid there until they
                        expire (you will see when).
                      </p>
                    </ConfirmButton>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing !== undefined && <GrantEditor grant={editing} onClose={() => setEditing(undefined)} />}
    </>
  );
}

/** "as issued (10 min)" or "at most 5 min", warned when the server's tokens outlive the grant (the agent is refused). */
function TokenLifetime({ grant, serverLifetimeSeconds }: { grant: Grant; serverLifetimeSeconds: number | undefined }) {
  const lifetime = describeTokenLifetime(grant, serverLifetimeSeconds);
  return (
    <>
      {lifetime.text}
      {lifetime.warning !== undefined && <p className="warning">{lifetime.warning}</p>}
    </>
  );
}
