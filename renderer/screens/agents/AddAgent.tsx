/**
 * Enrols an agent from the window: its name and kind, then its secret, shown once in this dialog
 * (inert text with a copy button; never logged, never kept in the store) until the dialog closes.
 */
import { useState, type FormEvent } from 'react';
import type { AgentKind } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { Text } from '../../components/Text.js';
import type { EnrolledAgent } from '../../store/index.js';

const NAME_MAX = 64;

export function AddAgentButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button primary" onClick={() => setOpen(true)}>
        Add agent
      </button>
      {open && <AddAgentDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function AddAgentDialog({ onClose }: { onClose: () => void }) {
  const enrolAgent = useWallet((s) => s.enrolAgent);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<AgentKind>('interactive');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [enrolled, setEnrolled] = useState<EnrolledAgent | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > NAME_MAX) return setProblem(`A name has 1 to ${NAME_MAX} characters.`);
    setProblem(undefined);
    setBusy(true);
    const result = await enrolAgent(trimmed, kind);
    setBusy(false);
    if (result !== undefined) setEnrolled(result);
  };

  if (enrolled !== undefined) return <SecretOnce enrolled={enrolled} onClose={onClose} />;
  return (
    <Dialog title="Add agent" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} autoFocus spellCheck={false} maxLength={NAME_MAX} placeholder="claude-code" />
        </label>
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setKind(e.target.value === 'autonomous' ? 'autonomous' : 'interactive')}>
            <option value="interactive">Interactive (you are at the keyboard)</option>
            <option value="autonomous">Autonomous (runs on its own)</option>
          </select>
        </label>
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Add agent" />
      </form>
    </Dialog>
  );
}

/** The new agent's secret: shown here once, copyable; closing the dialog forgets it. */
function SecretOnce({ enrolled, onClose }: { enrolled: EnrolledAgent; onClose: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copySecret = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(enrolled.secret);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <Dialog title="Agent added" onClose={onClose}>
      <div className="form">
        <p>
          <Text value={enrolled.agent.name} wrap /> is enrolled. Its secret is shown only this once: copy it now into the agent&apos;s configuration.
        </p>
        <label className="field">
          <span>Agent secret</span>
          <input className="secret" value={enrolled.secret} readOnly dir="ltr" spellCheck={false} autoComplete="off" onFocus={(e) => e.target.select()} />
        </label>
        <p className="muted" role="status">
          {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy: select the secret and copy it yourself.' : ' '}
        </p>
        <p className="muted">
          Or start it with <code>latchkey run --agent &lt;name&gt; -- &lt;command&gt;</code>, which gives it a session of its own.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void copySecret()}>
            Copy secret
          </button>
          <button type="button" className="button primary" onClick={onClose} autoFocus>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
