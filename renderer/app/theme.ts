/**
 * Light and dark themes: by default the system's (prefers-color-scheme, in CSS); a manual choice
 * sets data-theme on <html> and is kept in localStorage.
 */
import type { Preferences, ThemeChoice } from '../store/index.js';

const KEY = 'latchkey.theme';

function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

/** The theme choice in localStorage; storage that fails (private mode, quota) is ignored. */
export function localStoragePreferences(storage: Storage | undefined): Preferences {
  return {
    loadTheme: () => {
      try {
        const value = storage?.getItem(KEY);
        return isThemeChoice(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    saveTheme: (theme) => {
      try {
        storage?.setItem(KEY, theme);
      } catch {
        // The choice then lasts for this window only.
      }
    },
  };
}

export function applyTheme(root: HTMLElement, theme: ThemeChoice): void {
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
}
