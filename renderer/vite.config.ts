/**
 * Builds the window into dist/renderer: relative asset paths (served from app:// in Electron and
 * from the headless host), no inline scripts or styles (the CSP is `default-src 'self'; script-src
 * 'self'; style-src 'self'`), no external URLs.
 */
import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Vite injects the config file's own location when it loads this file.
const here = import.meta.dirname;
const { version } = JSON.parse(readFileSync(`${here}/../package.json`, 'utf8')) as { version: string };

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
