/** Connections to MCP servers: status, connect with live progress, re-authorize, disconnect. */
import type { ConnectProgress } from '../../../shared/connections.js';
import { toUiError } from '../errors.js';
import { singleFlight } from '../single-flight.js';
import type { ConnectionsSlice, SignInStep, SliceContext } from '../types.js';

export function createConnectionsSlice({ client, set, get, report, track }: SliceContext): ConnectionsSlice {
  const load = singleFlight(() =>
    track('connections', async () => {
      set({ connections: await client.call('listConnections', {}) });
    }),
  );

  const onProgress = (url: string, progress: ConnectProgress): void => {
    const flow = get().connectFlow;
    if (flow.phase !== 'running' || flow.url !== url) return;
    set({
      connectFlow: {
        ...flow,
        steps: [...flow.steps, progress],
        ...(progress.step === 'browser' ? { authorizationUrl: progress.authorizationUrl } : {}),
        ...signInOf(progress),
      },
    });
  };

  return {
    connections: [],
    connectFlow: { phase: 'idle' },
    loadConnections: load,
    connect: async (params) => {
      if (get().connectFlow.phase === 'running') {
        report('Connect', { code: 'input.invalid', message: 'A connection is already being set up. Finish or wait for it first.' });
        return false;
      }
      const url = params.url;
      set({ connectFlow: { phase: 'running', url, steps: [] } });
      try {
        const connection = await client.connect(params, (progress) => onProgress(url, progress));
        set({ connectFlow: { phase: 'connected', url, steps: stepsOf(get().connectFlow), connection } });
        return true;
      } catch (error) {
        set({ connectFlow: { phase: 'failed', url, steps: stepsOf(get().connectFlow), error: toUiError(error), params } });
        return false;
      } finally {
        await load();
      }
    },
    clearConnectFlow: () => {
      if (get().connectFlow.phase !== 'running') set({ connectFlow: { phase: 'idle' } });
    },
    cancelConnect: async () => {
      const flow = get().connectFlow;
      if (flow.phase !== 'running') return;
      try {
        await client.call('cancelConnect', { url: flow.url });
      } catch (error) {
        report('Cancel', error);
      }
    },
    deliverPastedSignIn: async (address) => {
      try {
        await client.call('deliverPastedSignIn', { address });
        return undefined;
      } catch (error) {
        return toUiError(error);
      }
    },
    openSignInPage: async (url) => {
      try {
        await client.call('openSignInPage', { url });
      } catch (error) {
        report('Open the sign-in page', error);
      }
    },
    disconnect: async (url, account) => {
      try {
        await client.call('disconnect', { url, ...(account === undefined ? {} : { account }) });
        return true;
      } catch (error) {
        report('Disconnect', error);
        return false;
      } finally {
        await load();
      }
    },
  };
}

/** A step that waits on the user becomes the flow's sign-in step; any later step ends it. */
function signInOf(progress: ConnectProgress): { signIn: SignInStep | undefined } {
  if (progress.step === 'browser' || progress.step === 'paste' || progress.step === 'device') return { signIn: progress };
  return { signIn: undefined };
}

function stepsOf(flow: ConnectionsSlice['connectFlow']): ConnectProgress[] {
  return flow.phase === 'idle' ? [] : flow.steps;
}
