/**
 * What Herald sends as a Ghost post's body. `options.format` says how to read the post's text:
 * `text` (default: paragraphs and line breaks, links made clickable), `html` (sent with
 * `?source=html`, which Ghost converts to its Lexical format) or `lexical` (a Lexical JSON document,
 * sent as is). Images beyond the feature image are appended as image cards.
 */
import { createHash } from 'node:crypto';
import { PlatformError } from '../types.ts';

export type Format = 'text' | 'html' | 'lexical';
export const FORMATS: readonly Format[] = ['text', 'html', 'lexical'];

export type InlineImage = { url: string; alt: string | null; width: number | null; height: number | null };

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plain text as Ghost-friendly HTML: a paragraph per blank-line block, `<br>` within, links clickable. */
export function htmlOfText(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => {
      const lines = block
        .split('\n')
        .map((line) =>
          escapeHtml(line).replace(
            /https?:\/\/[^\s<"]+[^\s<".,;:!?)]/g,
            (url) => `<a href="${url}">${url}</a>`,
          ),
        );
      return `<p>${lines.join('<br>')}</p>`;
    })
    .join('\n');
}

function imageCardHtml(image: InlineImage): string {
  const size = image.width && image.height ? ` width="${image.width}" height="${image.height}"` : '';
  return `<figure class="kg-card kg-image-card"><img src="${escapeHtml(image.url)}" class="kg-image" alt="${escapeHtml(image.alt ?? '')}"${size}></figure>`;
}

/** The `posts[0]` body fields and the `source` query for one post. */
export function bodyOf(options: { text: string; format: Format; images: InlineImage[] }): {
  fields: { html: string } | { lexical: string };
  source: 'html' | null;
} {
  if (options.format === 'lexical') {
    let document: { root?: { children?: unknown[] } };
    try {
      document = JSON.parse(options.text);
    } catch {
      throw new PlatformError({
        kind: 'invalid',
        message: 'text: with format "lexical" it must be a Lexical JSON document',
      });
    }
    if (!Array.isArray(document.root?.children)) {
      throw new PlatformError({ kind: 'invalid', message: 'text: a Lexical document needs root.children' });
    }
    for (const image of options.images) {
      document.root.children.push({
        type: 'image',
        version: 1,
        src: image.url,
        width: image.width,
        height: image.height,
        alt: image.alt ?? '',
        title: '',
        caption: '',
        cardWidth: 'regular',
        href: '',
      });
    }
    return { fields: { lexical: JSON.stringify(document) }, source: null };
  }
  const html = options.format === 'html' ? options.text : htmlOfText(options.text);
  return {
    fields: { html: [html, ...options.images.map(imageCardHtml)].filter(Boolean).join('\n') },
    source: 'html',
  };
}

/**
 * The internal tag that marks the post of one idempotency key. Internal tags (`#…`) are never shown
 * by themes; Ghost gives `#herald-abc` the slug `hash-herald-abc`.
 */
export function idempotencyTag(idempotencyKey: string): { name: string; slug: string } {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20);
  return { name: `#herald-${digest}`, slug: `hash-herald-${digest}` };
}
