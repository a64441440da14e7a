import type { LogFields, Logger, LogLevel } from '../ports.js';
import { fingerprint } from './fingerprint.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are always secrets: logged as fingerprints only. */
const SECRET_FIELD = /(token|secret|password|passphrase|verifier|authorization|cookie|key)$/i;

/**
 * Field names ending in `code` hold either an error code (`code`, `errorCode`, `error_code`:
 * needed to diagnose anything) or an authorization code (a secret). Only a value shaped like a
 * stable error code is written as it is; every other value of such a field is a fingerprint.
 */
const CODE_FIELD = /code$/i;

/**
 * A stable error code: up to 8 lowercase words joined by `.`, `_` or `-`, each word letters with
 * at most 3 trailing digits (`vault.keychain_locked`, `invalid_grant`, `oauth2.iss_mismatch`), or
 * an errno (`ECONNREFUSED`, `ERR_SOCKET_CLOSED`). Random values (authorization codes are base64url
 * or hex: mixed case, digits between letters) do not fit.
 */
const STABLE_CODE = /^(?:[a-z]{1,24}[0-9]{0,3}(?:[._-][a-z]{1,24}[0-9]{0,3}){0,7}|E[A-Z]{2,20}|ERR_[A-Z][A-Z0-9_]{0,40})$/;

/** Whether a field's string value must be written as a fingerprint. */
function isSecretField(name: string, value: string): boolean {
  if (SECRET_FIELD.test(name)) return true;
  return CODE_FIELD.test(name) && !(value.length <= 64 && STABLE_CODE.test(value));
}

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
    if (typeof value === 'string' && isSecretField(name, value)) out[name] = fingerprint(value);
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
