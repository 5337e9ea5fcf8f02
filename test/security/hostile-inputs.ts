/**
 * Hostile inputs generated from the OpenAPI document for every documented operation: the kinds a fuzz
 * run found answering 500 — nesting deep enough to overflow a recursive walk, lone surrogates in values
 * and keys, dates at and past the ends of what PostgreSQL stores, extreme numbers, the same item twice
 * in a list, huge strings, wrong content types, repeated and undecodable query parameters. Where the
 * answer is known the case says so (refused, naming the field); elsewhere it must be anything but a
 * server error. Values drawn at random come from a seeded generator, so a run is repeatable
 * (`HERALD_FUZZ_SEED` picks another seed).
 */
import type { BadInput } from './bad-inputs.ts';
import { type OpenApiDocument, type OpenApiOperation, type OpenApiSchema, resolveSchema } from './routes.ts';

/** mulberry32: a tiny seeded generator, good enough to pick test values. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

/** Well-formed but awkward text: emoji, combining marks, right-to-left, zero-width and control characters. */
const awkward = [
  '😀',
  '👩‍👩‍👧',
  'é',
  'e\u0301',
  'ש',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\u0007',
  '\\',
  '"',
  "'",
  '%00',
  '<',
  '\n',
];

function awkwardText(random: Random, length: number): string {
  let text = '';
  while (text.length < length) text += awkward[Math.floor(random() * awkward.length)];
  return text;
}

/** `[[[…]]]` `levels` deep. */
const nestedArrays = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
const nestedText = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;

/** A key that stands for any key of a record (`additionalProperties`), e.g. a channel id in overrides. */
const ANY_KEY = '00000000-0000-4000-8000-000000000001';
const HUGE = 256 * 1024;

/** Instants at and past the ends of years 1–9999 UTC (the offsets are valid RFC 3339). */
const outOfRange = ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00+23:59'];
const extremeNumbers = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 53) - 1, 5e-324, -0];
const extremeNumberText = ['1e308', '-1e308', '9007199254740993', 'Infinity', 'NaN', '0x10', '-0', '1e-400'];

type Visit = (at: string[], schema: OpenApiSchema, parents: unknown[]) => void;

/** Calls `visit` for every property of a JSON body schema, nested objects and records included. */
function walkProperties(doc: OpenApiDocument, raw: OpenApiSchema, visit: Visit): void {
  const walk = (object: OpenApiSchema, path: string[], parents: unknown[], depth: number) => {
    if (depth > 6) return;
    const children: [string, OpenApiSchema][] = Object.entries(object.properties ?? {});
    if (typeof object.additionalProperties === 'object')
      children.push([ANY_KEY, object.additionalProperties]);
    for (const [name, prop] of children) {
      const at = [...path, name];
      const resolved = resolveSchema(doc, prop);
      visit(at, resolved, parents);
      const isObject = resolved.properties || typeof resolved.additionalProperties === 'object';
      if (isObject) walk(resolved, at, [...parents, {}], depth + 1);
    }
  };
  walk(resolveSchema(doc, raw), [], [], 0);
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown, parents: unknown[]): void {
  let node = target;
  for (const [i, key] of path.slice(0, -1).entries()) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child))
      node[key] = structuredClone(parents[i] ?? {});
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

type Mutation = { kind: string; value: unknown; expect: BadInput['expect'] };

/** Hostile values for one property at `field` (dotted, without `body.`). */
function propertyMutations(schema: OpenApiSchema, field: string, random: Random): Mutation[] {
  const path = `body.${field}`;
  const refused = (statuses: number[], names = path) => ({ refused: statuses, names });
  const out: Mutation[] = [
    { kind: 'nested 100 levels deep', value: nestedArrays(100), expect: refused([400]) },
  ];
  const type = schema.type ?? (schema.properties || schema.additionalProperties ? 'object' : undefined);
  if (type === 'string') {
    out.push(
      { kind: 'a lone high surrogate', value: 'x\ud800y', expect: refused([400]) },
      { kind: 'a lone low surrogate at the end', value: `${'x'.repeat(3)}\udfff`, expect: refused([400]) },
      { kind: 'awkward well-formed text', value: awkwardText(random, 40), expect: 'handled' },
      { kind: `a ${HUGE / 1024} KiB string`, value: 'x'.repeat(HUGE), expect: 'handled' },
    );
    if (schema.format === 'date-time') {
      for (const date of outOfRange)
        out.push({ kind: `out of range (${date})`, value: date, expect: refused([400, 422]) });
      out.push({ kind: 'the last storable second', value: '9999-12-31T23:59:59Z', expect: 'handled' });
      out.push({ kind: 'an expanded year', value: '+275760-09-13T00:00:00Z', expect: refused([400, 422]) });
    }
  }
  if (type === 'integer' || type === 'number') {
    for (const n of extremeNumbers)
      out.push({ kind: `the number ${Object.is(n, -0) ? '-0' : n}`, value: n, expect: 'handled' });
  }
  if (type === 'array') {
    const items = schema.items;
    const item =
      items?.format === 'uuid'
        ? ANY_KEY
        : items?.type === 'string'
          ? 'same'
          : items?.type === 'object'
            ? {}
            : 1;
    out.push({
      kind: 'the same item twice',
      value: [item, item],
      expect: schema.uniqueItems ? refused([400, 422]) : 'handled',
    });
    out.push({ kind: 'a surrogate inside an item', value: ['\ud800'], expect: refused([400], `${path}.0`) });
  }
  if (type === 'object') {
    out.push({
      kind: 'a key with a lone surrogate',
      value: { 'k\ud800': 1 },
      expect: refused([400], `${path}.k`),
    });
    out.push({
      kind: 'a __proto__ key',
      value: JSON.parse('{"__proto__":{"polluted":true}}'),
      expect: 'handled',
    });
  }
  return out;
}

/** Hostile JSON bodies for an operation that takes one, property by property. */
function bodyCases(doc: OpenApiDocument, raw: OpenApiSchema, random: Random): BadInput[] {
  const cases: BadInput[] = [];
  walkProperties(doc, raw, (at, schema, parents) => {
    const field = at.join('.');
    for (const mutation of propertyMutations(schema, field, random)) {
      cases.push({
        title: `hostile body.${field}: ${mutation.kind}`,
        body: (valid) => {
          const body = structuredClone((valid ?? {}) as Record<string, unknown>);
          setAt(body, at, mutation.value, parents);
          return body;
        },
        expect: mutation.expect,
      });
    }
  });
  return cases;
}

/** Bodies and content types every operation that may carry a body must survive. */
function anyBodyCases(takesJson: boolean): BadInput[] {
  const json = { 'content-type': 'application/json' };
  const refusedIfJson = (statuses: number[], names: string) =>
    takesJson ? { refused: statuses, names } : ('handled' as const);
  return [
    {
      title: 'hostile body: nested 10,000 levels deep',
      rawBody: `{"x":${nestedText(10_000)}}`,
      headers: json,
      expect: { refused: [400], names: 'nested too deeply' },
    },
    {
      title: 'hostile body: a top-level key with a lone surrogate',
      rawBody: '{"\\ud800":1}',
      headers: json,
      expect: { refused: [400], names: 'well-formed' },
    },
    {
      title: 'hostile body: a wide array of a million bytes, a lone surrogate last',
      rawBody: `{"x":[${'0,'.repeat(500_000)}"\\ud800"]}`,
      headers: json,
      expect: { refused: [400], names: 'body.x.500000' },
    },
    {
      title: 'hostile body: a form-encoded content type',
      rawBody: 'a=1&b=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      expect: refusedIfJson([415], 'media type'),
    },
    // Refused before any handler runs; what follows may reach one, so only where a JSON body is
    // expected (a body-less POST such as logout would act on it).
    ...(takesJson ? benignBodyCases : []),
  ];
}

const benignBodyCases: BadInput[] = [
  {
    title: 'hostile body: multipart without a boundary',
    rawBody: '--x\r\n\r\n',
    headers: { 'content-type': 'multipart/form-data' },
    expect: 'handled',
  },
  {
    title: 'hostile body: JSON said to be UTF-16',
    rawBody: '{}',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    expect: 'handled',
  },
  {
    title: 'hostile body: a content type that is not one',
    rawBody: '{}',
    headers: { 'content-type': ';;;' },
    expect: 'handled',
  },
];

/** Query strings written out, so repeated names and raw percent-encodings reach the server as they are. */
function queryCases(
  doc: OpenApiDocument,
  operation: OpenApiOperation,
  validQuery: Record<string, string>,
): BadInput[] {
  const cases: BadInput[] = [];
  const written = (query: Record<string, string>, extra: string) => {
    const base = new URLSearchParams(query).toString();
    return base ? `${base}&${extra}` : extra;
  };
  const without = (name: string) =>
    Object.fromEntries(Object.entries(validQuery).filter(([k]) => k !== name));
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in !== 'query') continue;
    const { name } = parameter;
    const schema = resolveSchema(doc, parameter.schema);
    const rest = without(name);
    const add = (kind: string, value: string, expect: BadInput['expect'] = 'handled') =>
      cases.push({
        title: `hostile query.${name}: ${kind}`,
        rawQuery: written(rest, `${name}=${value}`),
        expect,
      });
    cases.push({
      title: `hostile query.${name}: given twice`,
      rawQuery: written(rest, `${name}=1&${name}=2`),
      expect: 'handled',
    });
    add('a percent-encoded lone surrogate (invalid UTF-8)', '%ED%A0%80');
    add('a broken percent-encoding', '%E0%A4%A');
    add('a 10 KiB value', 'x'.repeat(10 * 1024));
    add('awkward text', encodeURIComponent('😀\u202e\u200b\ufeff'));
    if (schema.format === 'date-time') {
      for (const date of outOfRange) {
        add(`out of range (${date})`, encodeURIComponent(date), {
          refused: [400, 422],
          names: `querystring.${name}`,
        });
      }
    }
    if (schema.type === 'integer' || schema.type === 'number') {
      for (const n of extremeNumberText) add(`the number ${n}`, encodeURIComponent(n));
    }
  }
  return cases;
}

/** Path parameters that cannot be decoded, or are far too long. */
function pathCases(operation: OpenApiOperation): BadInput[] {
  return (operation.parameters ?? [])
    .filter((p) => p.in === 'path')
    .flatMap((p) => [
      {
        title: `hostile path.${p.name}: a percent-encoded lone surrogate`,
        rawParams: { [p.name]: '%ED%A0%80' },
        expect: 'handled' as const,
      },
      {
        title: `hostile path.${p.name}: 4 KiB long`,
        rawParams: { [p.name]: 'x'.repeat(4096) },
        expect: 'handled' as const,
      },
      {
        title: `hostile path.${p.name}: a dot-dot segment`,
        rawParams: { [p.name]: '..%2F..' },
        expect: 'handled' as const,
      },
    ]);
}

/** Methods whose bodies Fastify reads (a GET's body is never parsed). */
const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every hostile input for one operation. `validQuery` is the route's valid query, kept around the
 * parameter being spoiled; `seed` makes the random choices repeatable.
 */
export function hostileInputsFor(
  doc: OpenApiDocument,
  operation: OpenApiOperation,
  options: { method: string; validQuery: Record<string, string>; seed: number },
): BadInput[] {
  const random = seededRandom(options.seed);
  const json = operation.requestBody?.content['application/json']?.schema;
  return [
    ...pathCases(operation),
    ...queryCases(doc, operation, options.validQuery),
    ...(bodyMethods.has(options.method) ? anyBodyCases(Boolean(json)) : []),
    ...(json ? bodyCases(doc, json, random) : []),
  ];
}
