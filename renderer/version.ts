/** The version of Latchkey this window was built from (set by the build; tests and dev servers say so). */
declare const __LATCHKEY_VERSION__: string | undefined;

export const WINDOW_VERSION: string = typeof __LATCHKEY_VERSION__ === 'string' ? __LATCHKEY_VERSION__ : 'development build';
