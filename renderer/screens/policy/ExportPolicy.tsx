/**
 * The wallet's policy file (agents, grants and allowed sites, never a secret), shown as text to
 * select, copied, or saved. Saving is offered in a browser only: the desktop app refuses every
 * download (T20), so there the file is copied or selected from the text.
 */
import { useState } from 'react';
import { desktopClient } from '../../api/client.js';
import { useWallet } from '../../app/store-context.js';
import { copyText, downloadText } from '../../components/copy-text.js';
import { InlineError } from '../../components/InlineError.js';
import type { UiError } from '../../store/index.js';

type Done = 'idle' | 'shown' | 'saved' | 'copied' | 'copy-failed';

const FILE_NAME = 'latchkey-policy.json';

const SAID: Record<Done, string> = {
  idle: ' ',
  shown: 'The policy file as the wallet has it now.',
  saved: `The policy file is offered as ${FILE_NAME}.`,
  copied: 'The policy file is copied to the clipboard.',
  'copy-failed': 'Could not copy: select the text below and copy it yourself.',
};

export function ExportPolicy() {
  const exportPolicyText = useWallet((s) => s.exportPolicyText);
  const [canSave] = useState(() => desktopClient() === undefined);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Done>('idle');
  const [text, setText] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<UiError | undefined>(undefined);

  const run = async (deliver: (text: string) => Promise<Done>): Promise<void> => {
    setBusy(true);
    const outcome = await exportPolicyText();
    setProblem(outcome.ok ? undefined : outcome.error);
    setText(outcome.ok ? outcome.value : undefined);
    setDone(outcome.ok ? await deliver(outcome.value) : 'idle');
    setBusy(false);
  };

  const show = (): Promise<Done> => Promise.resolve('shown');
  const save = (exported: string): Promise<Done> => {
    downloadText(exported, FILE_NAME, 'application/json');
    return Promise.resolve('saved');
  };
  const copy = async (exported: string): Promise<Done> => ((await copyText(exported)) ? 'copied' : 'copy-failed');

  return (
    <section className="card" aria-label="Export the policy file">
      <h2 className="card-title">Export</h2>
      <p className="muted">
        The same file as <code>latchkey policy export</code>: agents by name, their grants (server, account, scopes, token lifetime, expiry, mode) and allowed
        sites, in one stable order. Sub-agents a session delegated to are not part of it.
      </p>
      <div className="actions">
        {canSave && (
          <button type="button" className="button primary" disabled={busy} onClick={() => void run(save)}>
            Save policy file
          </button>
        )}
        <button type="button" className={canSave ? 'button' : 'button primary'} disabled={busy} onClick={() => void run(copy)}>
          Copy policy file
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void run(show)}>
          Show policy file
        </button>
      </div>
      <p className="muted" role="status">
        {SAID[done]}
      </p>
      {problem !== undefined && <InlineError error={problem} />}
      {text !== undefined && (
        <label className="field">
          <span>Exported policy file</span>
          <textarea className="policy-text" value={text} readOnly rows={12} wrap="off" dir="ltr" spellCheck={false} />
        </label>
      )}
    </section>
  );
}
