/** Audit entries, newest first. Reasons are stable codes; tokens appear only as fingerprints. */
import type { AuditEvent } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { formatStamp, formatTime } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { auditAgentLabel, selectAgents } from '../../store/selectors.js';
import { chainLine } from './chain-line.js';

export function AuditTable({ entries }: { entries: AuditEvent[] }) {
  const agents = useWallet(selectAgents);
  const newestFirst = [...entries].reverse();
  return (
    <div className="table-wrap">
      <table className="table audit" aria-label="Audit log">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Agent</th>
            <th scope="col">Server</th>
            <th scope="col">Scopes</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((entry) => {
            const agent = auditAgentLabel(entry, agents);
            return (
              <tr key={entry.seq} data-outcome={entry.outcome}>
                <td>{entry.seq}</td>
                <td className="stamp" title={formatTime(entry.time)}>
                  {formatStamp(entry.time)}
                </td>
                <td>
                  <code>{entry.type}</code>
                </td>
                <td>
                  {agent === undefined ? <span className="muted">—</span> : <Text value={agent} />}
                  {chainLine(entry) !== '' && (
                    <span className="small-print muted" title="Who asked, innermost first: delegated sessions, the session, the agent, the owner">
                      <Text value={chainLine(entry)} ltr wrap />
                    </span>
                  )}
                </td>
                <td className="cell-url">{entry.resource === undefined ? <span className="muted">—</span> : <Text value={entry.resource} ltr />}</td>
                <td>{entry.scopes === undefined ? <span className="muted">—</span> : <Scopes scopes={entry.scopes} />}</td>
                <td>
                  <span className={`outcome outcome-${entry.outcome}`}>{entry.outcome}</span>
                </td>
                <td className="cell-reason">
                  {entry.reason === undefined ? <span className="muted">—</span> : <Text value={entry.reason} ltr />}
                  {entry.count !== undefined && <span className="muted"> ×{entry.count}</span>}
                  {entry.tokenFingerprint !== undefined && (
                    <span className="muted">
                      {' '}
                      token <Text value={entry.tokenFingerprint} ltr />
                    </span>
                  )}
                  {entry.tokenExpiresAt !== undefined && (
                    <span className="muted">
                      {' '}
                      {entry.type === 'grant.revoked' ? 'valid at the server until' : 'expires'} {formatTime(entry.tokenExpiresAt)}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
