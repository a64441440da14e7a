/** Each connection: its account label (T8), status, scopes, token expiry; re-authorize (connect again) or disconnect. */
import type { ConnectionSummary } from '../../../shared/connections.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatRelative, formatTime } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { selectConnectFlow } from '../../store/selectors.js';
import { RegisterAgain } from './RegisterAgain.js';

/** Asks again for the scopes held, when they fit the contract; else lets the server choose. */
function scopesToAskFor(scopes: string[]): { scopes?: string[] } {
  const fits = scopes.length > 0 && scopes.length <= 64 && scopes.every((scope) => scope.length >= 1 && scope.length <= 128);
  return fits ? { scopes } : {};
}

/** T8: the account a labelled connection is, for the calls that act on it; nothing for the default account. */
function accountOf(connection: ConnectionSummary): { account?: string } {
  return connection.account === undefined ? {} : { account: connection.account };
}

export function ConnectionsTable({ connections }: { connections: ConnectionSummary[] }) {
  const connect = useWallet((s) => s.connect);
  const disconnect = useWallet((s) => s.disconnect);
  const running = useWallet(selectConnectFlow).phase === 'running';
  const now = useNow();

  return (
    <div className="table-wrap">
      <table className="table" aria-label="Connections">
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Status</th>
            <th scope="col">Scopes</th>
            <th scope="col">Access token</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {connections.map((connection) => (
            <tr key={`${connection.resource} ${connection.account ?? ''}`}>
              <td className="cell-url">
                <Text value={connection.resource} ltr />
                {connection.account === undefined ? null : (
                  <span className="small-print">
                    account <Text value={connection.account} />
                  </span>
                )}
                {connection.access === 'open-until-401' ? (
                  <span className="muted small-print">signs in when the server first asks</span>
                ) : (
                  <span className="muted small-print">
                    signed in at <Text value={connection.issuer} ltr />
                  </span>
                )}
              </td>
              <td>
                {connection.status === 'ok' && connection.access === 'open-until-401' ? (
                  <span className="status-ok">connected — no sign-in needed yet</span>
                ) : connection.status === 'ok' ? (
                  <span className="status-ok">connected</span>
                ) : (
                  <span className="status-bad">needs re-authorization</span>
                )}
              </td>
              <td>
                <Scopes scopes={connection.scopes} />
              </td>
              <td title={connection.accessTokenExpiresAt === undefined ? undefined : formatTime(connection.accessTokenExpiresAt)}>
                {connection.accessTokenExpiresAt === undefined
                  ? 'none cached'
                  : connection.accessTokenExpiresAt <= now
                    ? 'expired'
                    : `expires ${formatRelative(connection.accessTokenExpiresAt, now)}`}
                {connection.hasRefreshToken ? '' : ' (no refresh token)'}
                {connection.status === 'ok' && connection.hasRefreshToken && (connection.accessTokenExpiresAt === undefined || connection.accessTokenExpiresAt <= now) && (
                  <span className="muted small-print">still connected: the next use refreshes it</span>
                )}
              </td>
              <td>
                <div className="row-actions">
                  <button
                    type="button"
                    className={connection.status === 'ok' ? 'button small' : 'button small primary'}
                    disabled={running}
                    onClick={() => void connect({ url: connection.resource, ...accountOf(connection), ...scopesToAskFor(connection.scopes) })}
                  >
                    Re-authorize
                  </button>
                  <RegisterAgain connection={connection} disabled={running} />
                  <ConfirmButton small label="Disconnect" title="Disconnect this server?" onConfirm={() => disconnect(connection.resource, connection.account)}>
                    <p>
                      Latchkey revokes its tokens for <Text value={connection.resource} ltr wrap />
                      {connection.account === undefined ? null : (
                        <>
                          {' '}
                          (account <Text value={connection.account} />)
                        </>
                      )}{' '}
                      at the authorization server and forgets them.
                      Agents&apos; grants for it stay, but they get no tokens until you connect again.
                    </p>
                  </ConfirmButton>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
