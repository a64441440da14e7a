/** Downloads every entry matching the filters as JSON Lines (a file made here, not a server link). */
import { useState } from 'react';
import { useWallet } from '../../app/store-context.js';

export function ExportButton() {
  const exportAudit = useWallet((s) => s.exportAudit);
  const [busy, setBusy] = useState(false);

  const download = async (): Promise<void> => {
    setBusy(true);
    try {
      const jsonl = await exportAudit();
      if (jsonl === undefined) return;
      const url = URL.createObjectURL(new Blob([jsonl], { type: 'application/x-ndjson' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `latchkey-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.jsonl`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } finally {
      setBusy(false);
    }
  };

  return (
    <button type="button" className="button" disabled={busy} onClick={() => void download()}>
      Export JSONL
    </button>
  );
}
