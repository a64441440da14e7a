/**
 * The vault file format (threats T23, T25). One encrypted JSON document:
 *
 *   "LKV" | version (1 byte) | header length (uint32 BE) | header (JSON, UTF-8) | ciphertext | GCM tag (16)
 *
 * AES-256-GCM with a random 96-bit nonce per write. Everything before the ciphertext (magic,
 * version, length, header with generation, mode, nonce, key check and KDF parameters) is the
 * additional authenticated data, so a flipped bit anywhere, a truncation or a header swapped in
 * from another generation fails the tag check.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export const FORMAT_VERSION = 1;
const MAGIC = Buffer.from('LKV', 'ascii');
const PREFIX_LENGTH = MAGIC.length + 1 + 4;
const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
const MAX_HEADER_LENGTH = 4096;
export const KEY_LENGTH = 32;

const base64Of = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .refine((value) => Buffer.from(value, 'base64').length === bytes, `must encode ${bytes} bytes`);

export const ScryptParams = z.object({
  name: z.literal('scrypt'),
  salt: base64Of(16),
  /** log2 of the CPU/memory cost N. Bounded so a tampered header cannot demand gigabytes. */
  logN: z.number().int().min(10).max(20),
  r: z.number().int().min(1).max(16),
  p: z.number().int().min(1).max(4),
});
export type ScryptParams = z.infer<typeof ScryptParams>;

export const VaultFileMode = z.enum(['keychain', 'passphrase']);
export type VaultFileMode = z.infer<typeof VaultFileMode>;

const Header = z
  .object({
    generation: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    mode: VaultFileMode,
    nonce: base64Of(NONCE_LENGTH),
    /** HMAC of a fixed label under the key: tells "wrong key / passphrase" from "corrupt file". */
    keyCheck: base64Of(16),
    kdf: ScryptParams.optional(),
  })
  .strict()
  .refine((header) => (header.mode === 'passphrase') === (header.kdf !== undefined), 'kdf iff passphrase mode');
export type VaultHeader = z.infer<typeof Header>;

function corrupt(message: string, cause?: unknown): LatchkeyError {
  return new LatchkeyError(ErrorCode.VaultCorrupt, message, {
    hint: 'The vault file was modified or damaged. Restore it from a backup, or move it away to start a new, empty vault.',
    cause,
  });
}

export function computeKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('latchkey vault key check v1').digest().subarray(0, 16).toString('base64');
}

export interface ParsedVaultFile {
  header: VaultHeader;
  aad: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Reads the unauthenticated header (to learn the mode and KDF) without decrypting. */
export function parseVaultFile(bytes: Buffer): ParsedVaultFile {
  if (bytes.length < PREFIX_LENGTH + TAG_LENGTH || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt('The vault file is not a Latchkey vault, or it is truncated.');
  }
  const version = bytes[MAGIC.length] ?? 0;
  if (version > FORMAT_VERSION) {
    throw new LatchkeyError(ErrorCode.VaultNewerFormat, `The vault file uses format ${version}, newer than this Latchkey understands.`, {
      hint: 'Upgrade Latchkey to open this vault.',
      details: { version },
    });
  }
  if (version !== FORMAT_VERSION) throw corrupt(`The vault file has an unknown format version (${version}).`);
  const headerLength = bytes.readUInt32BE(MAGIC.length + 1);
  if (headerLength === 0 || headerLength > MAX_HEADER_LENGTH || PREFIX_LENGTH + headerLength + TAG_LENGTH > bytes.length) {
    throw corrupt('The vault file header is damaged or the file is truncated.');
  }
  const aad = bytes.subarray(0, PREFIX_LENGTH + headerLength);
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength).toString('utf8'));
  } catch (error) {
    throw corrupt('The vault file header is damaged.', error);
  }
  const header = Header.safeParse(json);
  if (!header.success) throw corrupt('The vault file header is damaged.');
  return {
    header: header.data,
    aad,
    ciphertext: bytes.subarray(aad.length, bytes.length - TAG_LENGTH),
    tag: bytes.subarray(bytes.length - TAG_LENGTH),
  };
}

/**
 * Authenticates and decrypts. A key that does not match the header's key check gives
 * `wrongKey` (the caller knows whether that means a bad passphrase or a foreign keychain key).
 */
export function decryptVaultFile(parsed: ParsedVaultFile, key: Buffer, wrongKey: () => LatchkeyError): Record<string, unknown> {
  const expected = Buffer.from(computeKeyCheck(key), 'base64');
  if (!timingSafeEqual(expected, Buffer.from(parsed.header.keyCheck, 'base64'))) throw wrongKey();
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parsed.header.nonce, 'base64'), { authTagLength: TAG_LENGTH });
    decipher.setAAD(parsed.aad);
    decipher.setAuthTag(parsed.tag);
    plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch (error) {
    throw corrupt('The vault file failed its integrity check (it was modified, truncated or damaged).', error);
  }
  let document: unknown;
  try {
    document = JSON.parse(plaintext.toString('utf8'));
  } catch (error) {
    throw corrupt('The vault document is not valid JSON.', error);
  } finally {
    plaintext.fill(0);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw corrupt('The vault document is not a JSON object.');
  }
  return document as Record<string, unknown>;
}

export interface EncryptInput {
  generation: number;
  mode: VaultFileMode;
  key: Buffer;
  kdf?: ScryptParams;
  /** The document, already serialised as JSON. */
  plaintext: Buffer;
}

/** Builds a complete vault file with a fresh random nonce. */
export function encryptVaultFile(input: EncryptInput): Buffer {
  const nonce = randomBytes(NONCE_LENGTH);
  const header: VaultHeader = {
    generation: input.generation,
    mode: input.mode,
    nonce: nonce.toString('base64'),
    keyCheck: computeKeyCheck(input.key),
    ...(input.kdf === undefined ? {} : { kdf: input.kdf }),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX_LENGTH);
  MAGIC.copy(prefix, 0);
  prefix[MAGIC.length] = FORMAT_VERSION;
  prefix.writeUInt32BE(headerBytes.length, MAGIC.length + 1);
  const aad = Buffer.concat([prefix, headerBytes]);
  const cipher = createCipheriv('aes-256-gcm', input.key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return Buffer.concat([aad, ciphertext, cipher.getAuthTag()]);
}
