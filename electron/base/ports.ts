/**
 * Ports: the wallet's only ways to reach the outside world. Each has a Node implementation in
 * electron/base or electron/wallet and a fake in test/fakes. Everything is passed in through the composition root.
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

/** What a desktop notification offers for a pending approval. */
export interface Notice {
  /** The approval id: one notice per approval. */
  id: string;
  title: string;
  body: string;
  /** Shown prominently where the platform allows (the registrable domain of a URL to open). */
  emphasis?: string;
  /** Buttons where the platform has notification actions; a click elsewhere opens the window. */
  actions: ReadonlyArray<{ action: 'approve' | 'deny'; label: string }>;
}

export type NoticeAction = 'approve' | 'deny' | 'open';

/**
 * The tray / desktop notification area (Electron's Notification in the app; a test double in
 * tests). The wallet decides what a notice says and what an action does; the port only shows.
 */
export interface Notifier {
  show(notice: Notice, onAction: (action: NoticeAction) => void): void;
  /** The approval was decided elsewhere or expired: take the notice away. */
  dismiss(id: string): void;
}
