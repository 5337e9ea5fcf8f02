/**
 * Record keys chosen by Herald, so creating a post is idempotent: the same idempotency key always
 * names the same record, and a second `createRecord` for it fails instead of posting twice.
 *
 * `app.bsky.feed.post` records must have TID keys (the PDS refuses others: "Invalid record key
 * for app.bsky.feed.post"). A TID is 64 bits — a zero bit, 53 bits of microseconds since the Unix
 * epoch, 10 bits of clock id — written as 13 characters of base32-sortable. Herald derives all 63
 * bits from a SHA-256 of the key: the timestamp part lands in a fixed 13-month span of 2023, so it
 * is never in the future, and the 55 hashed bits make a collision between two posts of one account
 * negligible. Clients order posts by `createdAt`, not by record key.
 */
import { createHash } from 'node:crypto';

const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';
const EPOCH_MICROS = BigInt(Date.UTC(2023, 0, 1)) * 1000n;
const TIMESTAMP_SPAN_BITS = 45n;

export const TID_PATTERN = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

function encode(value: bigint): string {
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** The TID record key Herald uses for the post with this idempotency key. */
export function recordKeyFor(idempotencyKey: string): string {
  const hash = createHash('sha256').update(idempotencyKey).digest();
  const bits = hash.readBigUInt64BE(0);
  const clockId = bits & 1023n;
  const micros = EPOCH_MICROS + ((bits >> 10n) & ((1n << TIMESTAMP_SPAN_BITS) - 1n));
  return encode((micros << 10n) | clockId);
}
