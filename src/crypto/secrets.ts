/**
 * Encryption at rest for OAuth tokens and client secrets: AES-256-GCM with a fresh 96-bit IV per
 * value. Each ciphertext names the key it was made with (`v1.<keyId>.<iv>.<tag>.<data>`), so keys can
 * rotate: new values use the current key, old ones still decrypt with a retired key until rewritten.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export type SecretBox = {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** True when the value was sealed with a key other than the current one. */
  needsRotation(sealed: string): boolean;
  currentKeyId: string;
};

type Key = { id: string; bytes: Buffer };

/**
 * Turns configured key material into a 32-byte key. 64 hex chars or 44 base64 chars are used as-is;
 * anything else is treated as a passphrase and stretched with HKDF.
 */
export function deriveKey(material: string): Key {
  let bytes: Buffer;
  if (/^[0-9a-f]{64}$/i.test(material)) bytes = Buffer.from(material, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(material)) bytes = Buffer.from(material, 'base64');
  else bytes = Buffer.from(hkdfSync('sha256', material, 'herald', 'herald-secret-box-v1', 32));
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return { id, bytes };
}

export function createSecretBox(current: string, retired: string[] = []): SecretBox {
  const key = deriveKey(current);
  const keys = new Map<string, Key>([[key.id, key]]);
  for (const material of retired) {
    const k = deriveKey(material);
    if (!keys.has(k.id)) keys.set(k.id, k);
  }
  return {
    currentKeyId: key.id,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        key.id,
        iv.toString('base64url'),
        tag.toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    decrypt(sealed) {
      const [version, keyId, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !keyId || !iv || !tag || data === undefined) {
        throw new Error('not a Herald sealed value');
      }
      const k = keys.get(keyId);
      if (!k) throw new Error(`no key with id ${keyId} is configured (was HERALD_SECRET_KEY changed?)`);
      const decipher = createDecipheriv('aes-256-gcm', k.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    needsRotation(sealed) {
      return sealed.split('.')[1] !== key.id;
    },
  };
}
