/** An agent's grants: server, scopes, token lifetime, mode, expiry, last use; edit or revoke. */
import { useState } from 'react';
import type { Grant } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatRelative, formatSeconds, formatTime } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { GrantEditor } from './GrantEditor.js';

export function GrantsTable({ grants }: { grants: Grant[] }) {
  const revokeGrant = useWallet((s) => s.revokeGrant);
  const now = useNow();
  const [editing, setEditing] = useState<Grant | undefined>(undefined);

  if (grants.length === 0) {
    return (
      <p className="muted">
        No grants. The agent&apos;s first request for a server asks you in Approvals; &ldquo;Approve and remember&rdquo; creates a
        grant. Or run <code>latchkey grant add &lt;agent&gt; &lt;mcp-url&gt; --scope …</code>.
      </p>
    );
  }
  return (
    <>
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
                  {grant.narrowing === 'unsupported' && (
                    <p className="warning">The server cannot narrow tokens to these scopes: widen the grant to the connection&apos;s scopes, or the agent is refused.</p>
                  )}
                </td>
                <td>
                  <Scopes scopes={grant.scopes} />
                </td>
                <td>{formatSeconds(grant.maxTokenLifetimeSeconds)}</td>
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
                    <ConfirmButton small label="Revoke grant" title="Revoke this grant?" confirmLabel="Revoke" onConfirm={() => revokeGrant(grant.id)}>
                      <p>
                        The agent can no longer get tokens for <Text value={grant.resource} ltr wrap />; its next request asks you again.
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
