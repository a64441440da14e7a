/** Filter the log by agent, server and outcome (the wallet filters; the view re-reads). */
import { useWallet, useWalletShallow } from '../../app/store-context.js';
import { reveal } from '../../components/Text.js';
import { selectAgents, selectAuditView, selectResourceChoices } from '../../store/selectors.js';
import type { AuditView } from '../../store/index.js';

const OUTCOMES = ['ok', 'denied', 'error'] as const;

/** Option labels are text, but very long ones are cut so the control stays usable. */
function label(text: string): string {
  const shown = reveal(text);
  return shown.length > 120 ? `${shown.slice(0, 120)}…` : shown;
}

export function AuditFilters() {
  const view = useWallet(selectAuditView);
  const agents = useWallet(selectAgents);
  const resources = useWalletShallow(selectResourceChoices);
  const setView = useWallet((s) => s.setAuditView);

  const change = (patch: Partial<Record<'agentId' | 'resource' | 'outcome', string>>): void => {
    const next: Record<string, string | undefined> = { agentId: view.agentId, resource: view.resource, outcome: view.outcome, ...patch };
    const clean: AuditView = view.showSessions === true ? { showSessions: true } : {};
    if (next['agentId']) clean.agentId = next['agentId'];
    if (next['resource']) clean.resource = next['resource'];
    const outcome = OUTCOMES.find((o) => o === next['outcome']);
    if (outcome !== undefined) clean.outcome = outcome;
    void setView(clean);
  };

  return (
    <div className="filters" role="group" aria-label="Filters">
      <label className="field">
        <span>Agent</span>
        <select value={view.agentId ?? ''} onChange={(e) => change({ agentId: e.target.value })}>
          <option value="">All agents</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {label(agent.name)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Server</span>
        <select value={view.resource ?? ''} onChange={(e) => change({ resource: e.target.value })}>
          <option value="">All servers</option>
          {resources.map((resource) => (
            <option key={resource} value={resource}>
              {label(resource)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Outcome</span>
        <select value={view.outcome ?? ''} onChange={(e) => change({ outcome: e.target.value })}>
          <option value="">All outcomes</option>
          {OUTCOMES.map((outcome) => (
            <option key={outcome} value={outcome}>
              {outcome}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={view.showSessions === true}
          onChange={(e) => void setView(e.target.checked ? { ...view, showSessions: true } : withoutSessions(view))}
        />
        <span>Show session starts and ends</span>
      </label>
    </div>
  );
}

function withoutSessions(view: AuditView): AuditView {
  const { showSessions: _shown, ...rest } = view;
  return rest;
}
