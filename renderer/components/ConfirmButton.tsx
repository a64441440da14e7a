/** A button for a destructive action: it asks first, in a dialog whose default is Cancel. */
import { useState, type ReactNode } from 'react';
import { Dialog } from './Dialog.js';

interface ConfirmButtonProps {
  /** The button's text (also the confirm button's, unless confirmLabel is given). */
  label: string;
  title: string;
  confirmLabel?: string;
  /** Says what will happen, in the dialog. */
  children: ReactNode;
  onConfirm: () => Promise<unknown>;
  disabled?: boolean;
  /** The compact size used in table rows. */
  small?: boolean;
}

export function ConfirmButton({ label, title, confirmLabel, children, onConfirm, disabled = false, small = false }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setOpen(false);
    }
  };

  return (
    <>
      <button type="button" className={small ? 'button danger small' : 'button danger'} disabled={disabled || busy} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && (
        <Dialog title={title} onClose={() => setOpen(false)}>
          <div className="dialog-body">{children}</div>
          <div className="dialog-actions">
            <button type="button" className="button" autoFocus onClick={() => setOpen(false)} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="button danger" onClick={() => void confirm()} disabled={busy}>
              {confirmLabel ?? label}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
