/**
 * Every operation of the OpenAPI document gets an `operationId` (what generated clients name their
 * methods after), derived here from the route so a new route cannot go without one. A route that reads
 * better under another name, or whose derived name another route already has, sets `operationId` in
 * its schema, which wins.
 *
 * The rule, on the path after `/api` (and after `/workspaces/{workspaceId}` for workspace routes):
 * `GET` an item → `get<Thing>`, a collection → `list<Things>`, a singleton → `get<Thing>`;
 * `POST` to a collection → `create<Thing>`, to `…/{id}/<action>` → `<action><Thing>`;
 * `PATCH` → `update<Thing>`, `PUT` → `replace<Thing>`, `DELETE` → `delete<Thing>`.
 * E.g. `POST /api/workspaces/{workspaceId}/posts/{postId}/schedule` → `schedulePost`.
 */

/** Words whose plural is themselves, or that are singletons though they end in "s". */
const uncountable = new Set(['media', 'stats', 'status']);

const isParam = (segment: string) => segment.startsWith(':') || segment.startsWith('{');
const isPlural = (word: string) => word === 'media' || (!uncountable.has(word) && word.endsWith('s'));
const singular = (word: string) =>
  uncountable.has(word) ? word : word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.replace(/s$/, '');
const pascal = (word: string) =>
  word
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The derived operation id of `method url` (Fastify's `:param` or OpenAPI's `{param}` spelling). */
export function operationIdFor(method: string, url: string): string {
  let segments = url.split('/').filter(Boolean);
  if (segments[0] === 'api') segments = segments.slice(1);
  if (segments[0] === 'workspaces' && segments[1] && isParam(segments[1]) && segments.length > 2)
    segments = segments.slice(2);
  const last = segments.at(-1) ?? '';
  const afterParam = segments.length > 1 && isParam(segments.at(-2)!);
  // A static word right after a parameter is an action (POST) or a sub-resource (GET); a static word
  // before a parameter names one thing of a collection.
  const nouns = (words: string[]) =>
    words
      .map((w, i) => (isParam(w) ? null : isParam(words[i + 1] ?? '') ? singular(w) : w))
      .filter((w): w is string => w !== null)
      .map(pascal)
      .join('');
  const verb = method.toUpperCase();
  if (verb === 'GET') {
    if (isParam(last) || afterParam) return `get${nouns(segments)}`;
    return `${isPlural(last) ? 'list' : 'get'}${nouns(segments)}`;
  }
  if (verb === 'POST') {
    if (!isParam(last) && !afterParam && isPlural(last))
      return `create${nouns([...segments.slice(0, -1), singular(last)])}`;
    if (!isParam(last)) {
      const action = pascal(last);
      return `${action[0]!.toLowerCase()}${action.slice(1)}${nouns(segments.slice(0, -1))}`;
    }
    return `post${nouns(segments)}`;
  }
  const verbs: Record<string, string> = { PATCH: 'update', PUT: 'replace', DELETE: 'delete' };
  return `${verbs[verb] ?? verb.toLowerCase()}${nouns(segments)}`;
}
