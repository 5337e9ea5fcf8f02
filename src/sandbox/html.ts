/** Small HTML helpers for the sandbox's pages: every piece of user text goes through `escapeHtml`. */

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/**
 * Pages carry no scripts; `frame-ancestors 'none'` keeps the consent page from being framed
 * (clickjacking). No `form-action`: browsers apply it to the redirect that follows the consent form.
 */
export const htmlSecurityHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const styles = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { margin: 0; padding: 1.5rem; }
  main { max-width: 40rem; margin: 0 auto; }
  header.site { max-width: 40rem; margin: 0 auto 1rem; font-size: 0.9rem; }
  a { color: LinkText; }
  article.post { border: 1px solid GrayText; border-radius: 0.5rem; padding: 0.75rem 1rem; margin: 0 0 1rem; }
  article.post p.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 0.5rem; }
  article.post img, article.post video { max-width: 100%; height: auto; border-radius: 0.25rem; }
  .meta { font-size: 0.85rem; color: GrayText; }
  .profile { display: flex; gap: 1rem; align-items: center; }
  .profile img { width: 4rem; height: 4rem; border-radius: 50%; }
  form label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
  form input[type=text] { font: inherit; padding: 0.4rem; width: 100%; max-width: 20rem; box-sizing: border-box; }
  .help { font-size: 0.85rem; margin: 0.25rem 0 1rem; }
  .actions { display: flex; gap: 0.75rem; }
  button { font: inherit; padding: 0.4rem 1rem; cursor: pointer; }
  .error { border-left: 4px solid #c00; padding-left: 0.75rem; }
  :focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
`;

/** A whole page. `body` must already be escaped HTML. */
export function renderPage(options: { title: string; body: string; mount: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · Herald Sandbox</title>
<style>${styles}</style>
</head>
<body>
<header class="site"><a href="${escapeHtml(options.mount)}/">Herald Sandbox</a> — a fake social network for trying Herald</header>
<main>
${options.body}
</main>
</body>
</html>
`;
}

/** Minute precision in UTC, inside a machine-readable <time>. */
export function renderTime(at: Date): string {
  const iso = at.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
