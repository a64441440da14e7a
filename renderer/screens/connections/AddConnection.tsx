/** Add a server by URL (optionally with scopes); shows the connect flow's progress underneath. */
import { useState, type FormEvent } from 'react';
import { useWallet } from '../../app/store-context.js';
import { selectConnectFlow } from '../../store/selectors.js';
import { parseScopes } from '../agents/GrantEditor.js';
import { ConnectProgressView } from './ConnectProgressView.js';

export function AddConnection() {
  const connect = useWallet((s) => s.connect);
  const flow = useWallet(selectConnectFlow);
  const [url, setUrl] = useState('');
  const [scopes, setScopes] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const running = flow.phase === 'running';

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const trimmed = url.trim();
    const parsed = parseScopes(scopes);
    if (trimmed.length === 0 || trimmed.length > 2048) return setProblem('Enter the MCP server’s URL, e.g. https://mcp.example.com/mcp.');
    if (typeof parsed === 'string') return setProblem(parsed);
    setProblem(undefined);
    const connected = await connect({ url: trimmed, ...(parsed.length === 0 ? {} : { scopes: parsed }) });
    if (connected) {
      setUrl('');
      setScopes('');
    }
  };

  return (
    <section className="card" aria-label="Add a server">
      <h2 className="card-title">Add a server</h2>
      <form className="form inline-form" onSubmit={(event) => void submit(event)}>
        <label className="field grow">
          <span>MCP server URL</span>
          <input
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://mcp.example.com/mcp"
            spellCheck={false}
            autoComplete="off"
            dir="ltr"
            required
          />
        </label>
        <label className="field">
          <span>Scopes (optional)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} spellCheck={false} autoComplete="off" dir="ltr" />
        </label>
        <button type="submit" className="button primary" disabled={running}>
          Connect
        </button>
      </form>
      {problem !== undefined && (
        <p className="warning" role="alert">
          {problem}
        </p>
      )}
      <ConnectProgressView />
    </section>
  );
}
