/**
 * Ports: the wallet's only ways to reach the outside world. Each has a Node implementation in
 * core and a fake in test/fakes. Everything is passed in through the composition root.
 */

/** Milliseconds since the epoch. Tests move time with a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A fetch-compatible function. In production it is the SSRF-guarded fetch (threat T05). */
export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Opens an already-validated URL in the user's browser. Implementations never use a shell
 * (threat T04); `validateOpenUrl` runs before any of them.
 */
export interface Opener {
  open(url: URL): Promise<void>;
}

/** The OS keychain (keytar) or a stand-in. Values are small strings (the vault key). */
export interface SecretStore {
  /** A short name for status displays: "keychain (Secret Service)", "memory". */
  readonly kind: string;
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, secret: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

/** Structured logger. The production one redacts secrets before writing (threat T30). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
