/**
 * Builds the window into dist/renderer: relative asset paths (served from app:// in Electron and
 * from the headless host), no inline scripts or styles (the CSP is `default-src 'self'; script-src
 * 'self'; style-src 'self'`), no external URLs.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import packageJson from '../package.json' with { type: 'json' };

// Vite injects the config file's own location when it loads this file.
const here = import.meta.dirname;
const { version } = packageJson;

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  // The version Settings shows (renderer/version.ts).
  define: { __LATCHKEY_VERSION__: JSON.stringify(version) },
  build: {
    outDir: `${here}/../dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Never inline assets as data: URLs (the CSP allows 'self' only).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
  },
  server: { host: '127.0.0.1' },
});
