/** An agent key's public JWK set, for the administrator to register with its client: shown, selectable, copyable. Never a private member. */
import { useState, type ReactNode } from 'react';
import { copyText } from '../../components/copy-text.js';
import { Dialog } from '../../components/Dialog.js';
import { formatJwks, publicJwksOf } from './public-jwks.js';

interface PublicKeyDialogProps {
  title: string;
  /** What the key is for and what to do with it. */
  children: ReactNode;
  keys: ReadonlyArray<Record<string, unknown>>;
  onClose: () => void;
}

export function PublicKeyDialog({ title, children, keys, onClose }: PublicKeyDialogProps) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const jwks = formatJwks(publicJwksOf(keys));
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="form">
        {children}
        <label className="field">
          <span>Public key set (JWKS)</span>
          <textarea className="policy-text" value={jwks} readOnly rows={10} wrap="off" dir="ltr" spellCheck={false} onFocus={(e) => e.target.select()} />
        </label>
        <p className="muted" role="status">
          {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy: select the key set and copy it yourself.' : ' '}
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void copyText(jwks).then((ok) => setCopy(ok ? 'copied' : 'failed'))}>
            Copy JWKS
          </button>
          <button type="button" className="button primary" onClick={onClose} autoFocus>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
