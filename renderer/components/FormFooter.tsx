/** The end of every dialog form: what went wrong (an error, announced), then Cancel and the form's action. */
export function FormFooter({ problem, busy, onCancel, action, disabled = false }: { problem: string | undefined; busy: boolean; onCancel: () => void; action: string; disabled?: boolean }) {
  return (
    <>
      {problem !== undefined && (
        <p className="load-error" role="alert">
          {problem}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy || disabled}>
          {action}
        </button>
      </div>
    </>
  );
}
