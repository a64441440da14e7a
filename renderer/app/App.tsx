/** The window: sections on the side, the current screen, notices; starts the store's live feed. */
import { useEffect, type ComponentType } from 'react';
import { ActivityScreen } from '../screens/activity/ActivityScreen.js';
import { AgentsScreen } from '../screens/agents/AgentsScreen.js';
import { ApprovalsScreen } from '../screens/approvals/ApprovalsScreen.js';
import { ConnectionsScreen } from '../screens/connections/ConnectionsScreen.js';
import { PolicyScreen } from '../screens/policy/PolicyScreen.js';
import { SettingsScreen } from '../screens/settings/SettingsScreen.js';
import { selectScreen, selectTheme } from '../store/selectors.js';
import type { Screen } from '../store/index.js';
import { Notices } from './Notices.js';
import { SCREENS, Sidebar } from './Sidebar.js';
import { useWallet } from './store-context.js';
import { applyTheme } from './theme.js';

const VIEWS: Record<Screen, ComponentType> = {
  approvals: ApprovalsScreen,
  agents: AgentsScreen,
  connections: ConnectionsScreen,
  activity: ActivityScreen,
  policy: PolicyScreen,
  settings: SettingsScreen,
};

export function App() {
  const screen = useWallet(selectScreen);
  const theme = useWallet(selectTheme);
  const start = useWallet((s) => s.start);
  const stop = useWallet((s) => s.stop);
  const setScreen = useWallet((s) => s.setScreen);

  useEffect(() => {
    void start();
    return stop;
  }, [start, stop]);

  useEffect(() => applyTheme(document.documentElement, theme), [theme]);

  // Alt+1…6 switch sections (optional shortcuts; everything is reachable with Tab too).
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = SCREENS.find((item) => item.key === event.key);
      if (target === undefined) return;
      event.preventDefault();
      setScreen(target.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setScreen]);

  const View = VIEWS[screen];
  return (
    <div className="app">
      <Sidebar />
      <main id="main" className="main">
        <Notices />
        <View key={screen} />
      </main>
    </div>
  );
}
