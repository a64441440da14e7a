/** The vault's status and the window's theme. */
import { singleFlight } from '../single-flight.js';
import type { Preferences, SettingsSlice, SliceContext } from '../types.js';

export function createSettingsSlice({ client, set, track }: SliceContext, preferences: Preferences): SettingsSlice {
  const load = singleFlight(() =>
    track('status', async () => {
      set({ status: await client.call('status', {}) });
    }),
  );
  return {
    status: undefined,
    theme: preferences.loadTheme() ?? 'system',
    loadStatus: load,
    setTheme: (theme) => {
      set({ theme });
      preferences.saveTheme(theme);
    },
  };
}
