export { readEnvFile, parseEnvFile, type EnvEntry } from './env-file.js';
export { findPlaceholders, resolvePlaceholders, type FetchAccessToken } from './placeholders.js';
export { startChild, type ChildOptions, type RunningChild } from './child.js';
export { assertNoReservedKeys, buildChildEnv } from './child-env.js';
export { isSecretVariable, removeSecretsFromEnv, scrubEnv, type ScrubOptions } from '../../base/process/scrub-env.js';
