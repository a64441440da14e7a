/** Field schemas the owner API's parts share: a URL, a scope list, an id or a name. */
import { z } from 'zod';

export const Url = z.string().min(1).max(2048);
export const Scopes = z.array(z.string().min(1).max(128)).max(64);
export const IdOrName = z.string().min(1).max(128);
