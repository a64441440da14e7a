/** The wallet's policy file, to save or copy: agents, grants and allowed sites, never a secret. */
import { useState } from 'react';
import { useWallet } from '../../app/store-context.js';
import { copyText, downloadText } from '../../components/copy-text.js';
import { InlineError } from '../../components/InlineError.js';
import type { UiError } from '../../store/index.js';

type Done = 'idle' | 'saved' | 'copied' | 'copy-failed';

const SAID: Record<Done, string> = {
  idle: ' ',
  saved: 'The policy file is offered as latchkey-policy.json.',
  copied: 'The policy file is copied to the clipboard.',
  'copy-failed': 'Could not copy: save the file instead.',
};

export function ExportPolicy() {
  const exportPolicyText = useWallet((s) => s.exportPolicyText);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Done>('idle');
  const [problem, setProblem] = useState<UiError | undefined>(undefined);

  const run = async (deliver: (text: string) => Promise<Done>): Promise<void> => {
    setBusy(true);
    const outcome = await exportPolicyText();
    setProblem(outcome.ok ? undefined : outcome.error);
    setDone(outcome.ok ? await deliver(outcome.value) : 'idle');
    setBusy(false);
  };

  const save = (text: string): Promise<Done> => {
    downloadText(text, 'latchkey-policy.json', 'application/json');
    return Promise.resolve('saved');
  };
  const copy = async (text: string): Promise<Done> => ((await copyText(text)) ? 'copied' : 'copy-failed');

  return (
    <section className="card" aria-label="Export the policy file">
      <h2 className="card-title">Export</h2>
      <p className="muted">
        The same file as <code>latchkey policy export</code>: agents by name, their grants (server, account, scopes, token lifetime, expiry, mode) and allowed
        sites, in one stable order. Sub-agents a session delegated to are not part of it.
      </p>
      <div className="actions">
        <button type="button" className="button primary" disabled={busy} onClick={() => void run(save)}>
          Save policy file
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void run(copy)}>
          Copy policy file
        </button>
      </div>
      <p className="muted" role="status">
        {SAID[done]}
      </p>
      {problem !== undefined && <InlineError error={problem} />}
    </section>
  );
}
