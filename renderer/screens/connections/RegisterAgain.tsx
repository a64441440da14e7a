/**
 * "Register again" (`latchkey connect --reregister`): Latchkey forgets its own registration with
 * the connection's authorization server, registers anew and signs in; the progress shows in the
 * connect flow above the table. The wallet refuses it for a client the user registered, and the
 * flow says why. A connect refused because the registration no longer fits (a new callback port,
 * the device grant) offers the same, as the CLI's hint offers --reregister.
 */
import type { ConnectParams } from '../../../shared/api.js';
import type { ConnectionSummary } from '../../../shared/connections.js';
import { useWallet } from '../../app/store-context.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { Text } from '../../components/Text.js';

export function RegisterAgain({ connection, disabled }: { connection: ConnectionSummary; disabled: boolean }) {
  const connect = useWallet((s) => s.connect);
  const account = connection.account === undefined ? {} : { account: connection.account };
  return (
    <ConfirmButton
      small
      label="Register again"
      title="Register Latchkey again?"
      disabled={disabled}
      // The dialog closes at once; the sign-in runs in the connect flow, where it can be followed and cancelled.
      onConfirm={async () => void connect({ url: connection.resource, ...account, reregister: true })}
    >
      <p>
        Latchkey forgets its registration with <Text value={connection.issuer} ltr wrap />, registers again and asks you to sign in. Use it when the
        authorization server no longer knows Latchkey&apos;s client or its settings changed. Other connections through the same authorization server
        will need to sign in again.
      </p>
    </ConfirmButton>
  );
}

/** After registration.outdated: the same connect again, registering anew (asks first, like the table's button). */
export function RetryRegistered({ params }: { params: ConnectParams }) {
  const connect = useWallet((s) => s.connect);
  return (
    <ConfirmButton small label="Register again and connect" title="Register Latchkey again?" onConfirm={async () => void connect({ ...params, reregister: true })}>
      <p>
        Latchkey registers again with this server&apos;s authorization server, with what this connection now needs, and asks you to sign in. Other
        connections through the same authorization server will need to sign in again.
      </p>
    </ConfirmButton>
  );
}
