/** An agent's running sessions (the pid is the latchkey run the session ends with; neither it nor the command proves anything), each of which can be ended. */
import type { SessionSummary } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatRelative, formatTime } from '../../components/format.js';
import { Text } from '../../components/Text.js';

export function SessionsList({ sessions }: { sessions: SessionSummary[] }) {
  const endSession = useWallet((s) => s.endSession);
  const now = useNow();
  if (sessions.length === 0) {
    return (
      <p className="muted">
        No running sessions. <code>latchkey run --agent &lt;name&gt; -- &lt;command&gt;</code> starts one.
      </p>
    );
  }
  return (
    <ul className="sessions" aria-label="Sessions">
      {sessions.map((session) => (
        <li key={session.id} className="session">
          <span className="session-command">
            {session.command === undefined ? <span className="muted">no command recorded</span> : <Text value={session.command} ltr />}
          </span>
          {session.pid !== undefined && (
            <span className="muted" title="The latchkey run process: the session ends when it exits">
              pid {session.pid}
            </span>
          )}
          <span title={formatTime(session.createdAt)}>started {formatRelative(session.createdAt, now)}</span>
          <span title={formatTime(session.expiresAt)}>ends {formatRelative(session.expiresAt, now)}</span>
          <ConfirmButton small label="End session" title="End this session?" confirmLabel="End session" onConfirm={() => endSession(session.id)}>
            <p>The program&apos;s session secret stops working at once; its next request is refused.</p>
          </ConfirmButton>
        </li>
      ))}
    </ul>
  );
}
