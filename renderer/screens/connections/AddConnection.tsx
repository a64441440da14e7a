/**
 * Add a server by URL, as `latchkey connect` does: optional scopes and account label, how to sign
 * in (this computer's browser, a device code, pasting the address a browser elsewhere ended on,
 * or, once the organisation's identity provider is set up, through it), and, under Advanced,
 * leaving out `resource` (warned) and a fixed callback port. Shows the connect flow's progress
 * underneath.
 */
import { useId, useState, type FormEvent } from 'react';
import { useWallet } from '../../app/store-context.js';
import { selectConnectFlow, selectEnterprise } from '../../store/selectors.js';
import { ConnectProgressView } from './ConnectProgressView.js';
import { EMPTY_CONNECT_FORM, NO_RESOURCE_WINDOW_WARNING, connectParamsOf, methodsFor, type ConnectForm } from './connect-form.js';

export function AddConnection() {
  const connect = useWallet((s) => s.connect);
  const flow = useWallet(selectConnectFlow);
  const enterprise = useWallet(selectEnterprise);
  const methods = methodsFor(enterprise !== undefined && enterprise.state !== 'not-configured');
  const [values, setValues] = useState<ConnectForm>(EMPTY_CONNECT_FORM);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const warningId = useId();
  const running = flow.phase === 'running';
  const change = (patch: Partial<ConnectForm>): void => setValues((current) => ({ ...current, ...patch }));

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    // The enterprise-managed choice is gone once the identity provider is forgotten.
    if (!methods.some((method) => method.value === values.method)) return setProblem('Your organisation’s identity provider is no longer set up: choose another sign-in method.');
    const params = connectParamsOf(values);
    if (typeof params === 'string') return setProblem(params);
    setProblem(undefined);
    if (await connect(params)) setValues(EMPTY_CONNECT_FORM);
  };

  return (
    <section className="card" aria-label="Add a server">
      <h2 className="card-title">Add a server</h2>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <div className="form add-server-fields">
          <label className="field grow">
            <span>MCP server URL</span>
            <input
              type="url"
              inputMode="url"
              value={values.url}
              onChange={(e) => change({ url: e.target.value })}
              placeholder="https://mcp.example.com/mcp"
              spellCheck={false}
              autoComplete="off"
              dir="ltr"
              required
            />
          </label>
          <label className="field">
            <span>Scopes (optional)</span>
            <input value={values.scopes} onChange={(e) => change({ scopes: e.target.value })} spellCheck={false} autoComplete="off" dir="ltr" />
          </label>
          <label className="field">
            <span>Account label (optional)</span>
            <input value={values.account} onChange={(e) => change({ account: e.target.value })} placeholder="work" spellCheck={false} autoComplete="off" dir="ltr" />
          </label>
        </div>
        <fieldset className="sign-in-method">
          <legend>Sign-in method</legend>
          {methods.map((method) => (
            <label key={method.value}>
              <input type="radio" name="sign-in-method" value={method.value} checked={values.method === method.value} onChange={() => change({ method: method.value })} />{' '}
              {method.label}
            </label>
          ))}
        </fieldset>
        <details className="advanced">
          <summary>Advanced</summary>
          <div>
            <label>
              <input type="checkbox" checked={values.noResource} onChange={(e) => change({ noResource: e.target.checked })} aria-describedby={values.noResource ? warningId : undefined} />{' '}
              Don’t send the resource parameter
            </label>
            {values.noResource && (
              <p className="warning" id={warningId} role="note">
                {NO_RESOURCE_WINDOW_WARNING}
              </p>
            )}
            <label className="field">
              <span>Fixed callback port (optional)</span>
              <input
                inputMode="numeric"
                value={values.callbackPort}
                onChange={(e) => change({ callbackPort: e.target.value })}
                placeholder="e.g. 8765"
                spellCheck={false}
                autoComplete="off"
                dir="ltr"
              />
            </label>
            <p className="muted small-print">
              For authorization servers that match the redirect address with its port; 0 goes back to a new port each time. Both choices are kept with the connection for its later sign-ins.
            </p>
          </div>
        </details>
        <div>
          <button type="submit" className="button primary" disabled={running}>
            Connect
          </button>
        </div>
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
