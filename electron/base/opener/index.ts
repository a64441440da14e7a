export { MAX_OPEN_URL_LENGTH, validateOpenUrl } from './validate.js';
export {
  createSystemOpener,
  parseBrowserVariable,
  resolveOpenCommand,
  type OpenCommand,
  type SpawnedProcess,
  type SpawnFunction,
  type SystemOpener,
  type SystemOpenerOptions,
} from './system-opener.js';
