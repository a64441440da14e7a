/**
 * Imported first by main.tsx: zod decides whether to probe `new Function` when each schema is
 * built, and the shared schemas are built while the other imports load. The window's CSP has no
 * 'unsafe-eval', so the probe must be off before any of them.
 */
import { config } from 'zod';

config({ jitless: true });
