/** A policy file to review: picked from disk (read here, never uploaded anywhere) or pasted. */
import { useId, useState, type ChangeEvent, type FormEvent } from 'react';

/** The CLI reads at most this much of a policy file; so does the window. */
const MAX_POLICY_BYTES = 1024 * 1024;

interface PolicyInputProps {
  text: string;
  busy: boolean;
  onChange: (text: string) => void;
  onReview: () => void;
}

export function PolicyInput({ text, busy, onChange, onReview }: PolicyInputProps) {
  const [fileProblem, setFileProblem] = useState<string | undefined>(undefined);
  const problemId = useId();

  const pick = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    if (file.size > MAX_POLICY_BYTES) return setFileProblem(`${file.name} is larger than ${MAX_POLICY_BYTES} bytes; a policy file is not.`);
    setFileProblem(undefined);
    onChange(await file.text());
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onReview();
  };

  return (
    <form className="form" noValidate onSubmit={submit}>
      <label className="field">
        <span>Open a policy file</span>
        <input type="file" accept=".json,application/json" onChange={(event) => void pick(event)} aria-describedby={fileProblem === undefined ? undefined : problemId} />
      </label>
      {fileProblem !== undefined && (
        <p id={problemId} className="load-error" role="alert">
          {fileProblem}
        </p>
      )}
      <label className="field">
        <span>Policy file contents</span>
        <textarea
          className="policy-text"
          value={text}
          onChange={(event) => onChange(event.target.value)}
          rows={12}
          spellCheck={false}
          autoComplete="off"
          dir="ltr"
          maxLength={MAX_POLICY_BYTES}
          placeholder='{ "version": 1, "agents": [], "allowedSites": [] }'
        />
      </label>
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy || text.trim() === ''}>
          Review changes
        </button>
      </div>
    </form>
  );
}
