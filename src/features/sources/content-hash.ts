/**
 * Seed 004's `content_hash`: the same text collected from two places (a subreddit and a feed, or a
 * repost) hashes the same, so it is processed once. Markup, case, punctuation and spacing are not
 * content.
 */
import { createHash } from 'node:crypto';

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Plain text of a possibly-HTML string: tags dropped, common entities decoded, whitespace collapsed. */
export function plainText(value: string): string {
  return value
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/li>|<\/h\d>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return entities[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

export function normaliseForHash(text: string): string {
  return plainText(text)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function itemContentHash(item: { title: string; body: string }): string {
  return createHash('sha256')
    .update(`${normaliseForHash(item.title)}\n${normaliseForHash(item.body)}`)
    .digest('hex');
}
