/**
 * Signed, unauthenticated URLs for media, for platforms that fetch media themselves (Instagram and
 * Threads take an image URL, not an upload).
 *
 * The signature is HMAC-SHA256 over the media id, keyed with a key derived by HKDF from Herald's
 * secret key with its own purpose label, so it is unrelated to the encryption key in use and cannot be
 * computed without the secret. (SecretBox's `currentKeyId` is not a secret: it is printed in every
 * ciphertext, so it cannot serve as key material.) A URL stays valid as long as the media exists and
 * the secret key is unchanged; deleting the media revokes it.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { Deps } from '../../deps.ts';

const keys = new WeakMap<Config, Buffer>();

/**
 * The signing key. The secret key comes from HERALD_SECRET_KEY or, on the embedded default, from the
 * key file createDeps generated in the data dir (read the same way: trimmed).
 */
function signingKey(config: Config): Buffer {
  let key = keys.get(config);
  if (!key) {
    const material = config.secretKey ?? readFileSync(path.join(config.dataDir, 'secret.key'), 'utf8').trim();
    key = Buffer.from(hkdfSync('sha256', material, 'herald', 'herald-public-media-url-v1', 32));
    keys.set(config, key);
  }
  return key;
}

export function signMediaId(deps: Pick<Deps, 'config'>, mediaId: string): string {
  return createHmac('sha256', signingKey(deps.config)).update(`media:${mediaId}`).digest('base64url');
}

/** True when `signature` was made by `signMediaId` for this id (compared in constant time). */
export function verifyMediaSignature(
  deps: Pick<Deps, 'config'>,
  mediaId: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signMediaId(deps, mediaId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The URL at which anyone, without logging in, can fetch the media's bytes (served by public-media.ts). */
export function publicMediaUrl(deps: Pick<Deps, 'config'>, mediaId: string): string {
  return `${deps.config.publicUrl}/media/${mediaId}/${signMediaId(deps, mediaId)}`;
}
