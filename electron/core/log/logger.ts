import type { LogFields, Logger, LogLevel } from '../ports.js';
import { fingerprint } from './fingerprint.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are always secrets: logged as fingerprints only. */
const SECRET_FIELD = /(token|secret|password|passphrase|verifier|code|authorization|cookie|key)$/i;

/** Patterns that look like secrets anywhere in a message or field value. */
const SECRET_PATTERNS: RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)/g, // JWTs
  /([?&#](?:code|access_token|refresh_token|id_token|client_secret|code_verifier)=)[^&#\s]+/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match: string, prefix?: string) =>
      typeof prefix === 'string' && prefix.endsWith('=') ? `${prefix}[redacted]` : `[redacted ${fingerprint(match)}]`,
    );
  }
  return out;
}

function redactFields(fields: LogFields | undefined): LogFields | undefined {
  if (fields === undefined) return undefined;
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string' && SECRET_FIELD.test(name)) out[name] = fingerprint(value);
    else out[name] = typeof value === 'string' ? redact(value) : value;
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go. Defaults to stderr, so stdout stays clean for command output. */
  write?: (line: string) => void;
  now?: () => number;
}

/** The one logger: JSON lines, every message and field redacted before it is written (T30). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ t: new Date(now()).toISOString(), level, msg: redact(message), ...redactFields(fields) }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
