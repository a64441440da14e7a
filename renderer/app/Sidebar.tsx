/** The sections of the window: buttons in a navigation landmark, the current one marked. */
import { HostStatus } from './HostStatus.js';
import { useWallet } from './store-context.js';
import { selectPendingCount, selectScreen } from '../store/selectors.js';
import type { Screen } from '../store/index.js';

export const SCREENS: ReadonlyArray<{ id: Screen; label: string; key: string }> = [
  { id: 'approvals', label: 'Approvals', key: '1' },
  { id: 'agents', label: 'Agents', key: '2' },
  { id: 'connections', label: 'Connections', key: '3' },
  { id: 'activity', label: 'Activity', key: '4' },
  { id: 'policy', label: 'Policy', key: '5' },
  { id: 'settings', label: 'Settings', key: '6' },
];

export function Sidebar() {
  const screen = useWallet(selectScreen);
  const pending = useWallet(selectPendingCount);
  const setScreen = useWallet((s) => s.setScreen);
  return (
    <nav className="sidebar" aria-label="Sections">
      <p className="brand">Latchkey</p>
      <ul>
        {SCREENS.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className="nav-button"
              aria-current={screen === item.id ? 'page' : undefined}
              aria-keyshortcuts={`Alt+${item.key}`}
              onClick={() => setScreen(item.id)}
            >
              <span>{item.label}</span>
              {item.id === 'approvals' && pending > 0 && (
                <span className="badge" aria-label={`${pending} pending`}>
                  {pending}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <HostStatus />
    </nav>
  );
}
