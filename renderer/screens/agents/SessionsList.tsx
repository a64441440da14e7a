/**
 * An agent's running sessions as a tree: sessions started with `latchkey run --delegate` sit under
 * the session they were delegated from, with their slice (threat T40). The pid is the latchkey run
 * the session ends with; neither it nor the command proves anything. Each can be ended; ending one
 * ends the sessions under it.
 */
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
  const ids = new Set(sessions.map((session) => session.id));
  const roots = sessions.filter((session) => session.parentSessionId === undefined || !ids.has(session.parentSessionId));
  return (
    <ul className="sessions" aria-label="Sessions">
      {roots.map((session) => (
        <SessionNode key={session.id} session={session} all={sessions} now={now} onEnd={endSession} />
      ))}
    </ul>
  );
}

/** What a delegated session may use: its servers and scopes, or all of its parent's. */
function sliceOf(session: SessionSummary): string {
  const bounds = session.bounds;
  const scopes = bounds?.scopes === undefined ? 'all scopes' : bounds.scopes.join(' ');
  const servers = bounds?.resources === undefined ? 'every granted server' : bounds.resources.join(', ');
  return `${scopes} on ${servers}`;
}

interface SessionNodeProps {
  session: SessionSummary;
  all: SessionSummary[];
  now: number;
  onEnd: (id: string) => Promise<unknown>;
}

function SessionNode({ session, all, now, onEnd }: SessionNodeProps) {
  const children = all.filter((other) => other.parentSessionId === session.id);
  return (
    <li className="session">
      <div className="session-row">
        <span className="session-command">
          {session.command === undefined ? <span className="muted">no command recorded</span> : <Text value={session.command} ltr />}
        </span>
        {session.parentSessionId !== undefined && (
          <span className="muted" title="Started with latchkey run --delegate: at most this slice of its parent's access">
            delegated: <Text value={sliceOf(session)} ltr />
          </span>
        )}
        {session.pid !== undefined && (
          <span className="muted" title="The latchkey run process: the session ends when it exits">
            pid {session.pid}
          </span>
        )}
        <span title={formatTime(session.createdAt)}>started {formatRelative(session.createdAt, now)}</span>
        <span title={formatTime(session.expiresAt)}>ends {formatRelative(session.expiresAt, now)}</span>
        <ConfirmButton small label="End session" title="End this session?" confirmLabel="End session" onConfirm={() => onEnd(session.id)}>
          <p>
            The program&apos;s session secret stops working at once; its next request is refused.
            {children.length > 0 && ' The sessions delegated from it end too.'}
          </p>
        </ConfirmButton>
      </div>
      {children.length > 0 && (
        <ul className="sessions sessions-delegated" aria-label="Delegated sessions">
          {children.map((child) => (
            <SessionNode key={child.id} session={child} all={all} now={now} onEnd={onEnd} />
          ))}
        </ul>
      )}
    </li>
  );
}
