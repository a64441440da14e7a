/** Downloads every entry matching the filters as JSON Lines (a file made here, not a server link). */
import { useState } from 'react';
import { useWallet } from '../../app/store-context.js';
import { downloadText } from '../../components/copy-text.js';

export function ExportButton() {
  const exportAudit = useWallet((s) => s.exportAudit);
  const [busy, setBusy] = useState(false);

  const download = async (): Promise<void> => {
    setBusy(true);
    try {
      const jsonl = await exportAudit();
      if (jsonl === undefined) return;
      downloadText(jsonl, `latchkey-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.jsonl`, 'application/x-ndjson');
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
