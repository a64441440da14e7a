/** Where secrets are kept, the data directory, and the theme. */
import { useWallet } from '../../app/store-context.js';
import { Loaded, Screen } from '../../components/Screen.js';
import { Text } from '../../components/Text.js';
import { selectStatus } from '../../store/selectors.js';
import { WINDOW_VERSION } from '../../version.js';
import { OrganisationSignIn } from './OrganisationSignIn.js';
import { ThemeChoice } from './ThemeChoice.js';

const KEY_PLACES = {
  keychain: 'The vault key is in the operating system keychain.',
  passphrase: 'The vault key comes from your passphrase (no keychain).',
  memory: 'Secrets are kept in memory only: they are gone when Latchkey stops.',
} as const;

/** The directory that holds a file, for either separator. */
export function directoryOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path : path.slice(0, cut);
}

export function SettingsScreen() {
  const status = useWallet(selectStatus);
  return (
    <Screen title="Settings">
      <section className="card" aria-label="Vault">
        <h2 className="card-title">Vault</h2>
        <Loaded collection="status">
          {status !== undefined && (
            <dl className="facts">
              <dt>Keychain</dt>
              <dd>
                {KEY_PLACES[status.mode]} <span className="tag">{status.mode}</span>
              </dd>
              <dt>Backend</dt>
              <dd>
                <Text value={status.backend} />
              </dd>
              {status.warning !== undefined && (
                <>
                  <dt>Warning</dt>
                  <dd className="warning" role="alert">
                    <Text value={status.warning} wrap />
                  </dd>
                </>
              )}
              <dt>Data directory</dt>
              <dd>
                <Text value={directoryOf(status.path)} ltr />
              </dd>
              <dt>Vault file</dt>
              <dd>
                <Text value={status.path} ltr />
              </dd>
            </dl>
          )}
        </Loaded>
      </section>
      <OrganisationSignIn />
      <ThemeChoice />
      <section className="card" aria-label="About">
        <h2 className="card-title">About</h2>
        <dl className="facts">
          <dt>Version</dt>
          <dd>Latchkey {WINDOW_VERSION}</dd>
        </dl>
      </section>
    </Screen>
  );
}
