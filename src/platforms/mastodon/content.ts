/** Mastodon's `content` is HTML its server rendered; Herald reads and compares it as plain text. */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const MAX_CODE_POINT = 0x10ffff;

/**
 * Mastodon's rendered HTML back to the text a person typed: paragraphs become blank lines, `<br>`
 * line breaks, tags go (a link keeps its whole URL: Mastodon hides part of it in invisible spans,
 * not by cutting it) and entities are decoded. Remote servers send HTML of their own, so this is
 * forgiving rather than exact.
 */
export function textOfContent(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
      if (entity[0] === '#') {
        const code =
          entity[1] === 'x' || entity[1] === 'X'
            ? Number.parseInt(entity.slice(2), 16)
            : Number(entity.slice(1));
        // Out of Unicode's range, String.fromCodePoint throws: keep such an entity as it was written.
        return Number.isInteger(code) && code <= MAX_CODE_POINT ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[entity.toLowerCase()] ?? whole;
    });
}
