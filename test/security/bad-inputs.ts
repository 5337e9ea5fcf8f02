/**
 * Bad inputs generated from the OpenAPI document, so coverage follows the API: for every path
 * parameter, query parameter and JSON body property, values its schema refuses (missing when
 * required, the wrong type, null, too long, too short, off the pattern or the enum, out of range, too
 * many items), plus text that passes the schema but is hostile to what sits behind it (a NUL byte).
 */
import { randomUUID } from 'node:crypto';
import { type OpenApiDocument, type OpenApiOperation, type OpenApiSchema, resolveSchema } from './routes.ts';

/** What must come back for a bad input. */
export type Expectation =
  /** Refused with one of these statuses, in the error shape, the message naming `names`. */
  | { refused: number[]; names: string }
  /** Anything but a server error (the value is odd but may be acceptable). */
  | 'handled';

export type BadInput = {
  /** Stable and unique per route, e.g. `body.title: 301 characters (maxLength 300)`. */
  title: string;
  /** Path parameters to replace. */
  params?: Record<string, string>;
  /** The whole query string, instead of the route's valid one. */
  query?: Record<string, string>;
  /** The query string written out as it is (repeated names, raw percent-encodings). */
  rawQuery?: string;
  /** Path parameters to replace, already percent-encoded (sent as they are). */
  rawParams?: Record<string, string>;
  /** Makes the body from the route's valid one (`undefined`: send none). */
  body?: (valid: unknown) => unknown;
  /** Sent as it is, bypassing JSON encoding. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  expect: Expectation;
};

const OMIT = Symbol('omit');
const MAX_PARAM_LENGTH = 100;
const FUTURE = '2099-06-01T12:00:00Z';
const NUL_TEXT = 'before\u0000after';

/** Text with a NUL byte that still fits the pattern (a path, for `returnTo`), if there is one. */
const withNul = (pattern: string | undefined) =>
  [NUL_TEXT, `/${NUL_TEXT}`].find((v) => !pattern || new RegExp(pattern).test(v));

/** Strings that often miss a pattern; the first the pattern refuses is used. */
const offPattern = ['', ' ', '//evil.example', 'not valid!', '\\x'];

/** A value the schema accepts, for building the parents of nested properties. */
export function sample(doc: OpenApiDocument, raw: OpenApiSchema): unknown {
  const schema = resolveSchema(doc, raw);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return FUTURE;
      if (schema.format === 'uri') return 'https://example.test/page';
      return (
        [`/${'x'.repeat(schema.minLength ?? 1)}`, 'x'.repeat(Math.max(1, schema.minLength ?? 1))].find(
          (v) => !schema.pattern || new RegExp(schema.pattern).test(v),
        ) ?? 'x'
      );
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(doc, schema.properties![k]!)]));
  }
}

const wrongType: Record<string, unknown> = {
  string: 12345,
  integer: 'twelve',
  number: 'twelve',
  boolean: 'yes',
  array: 'not-a-list',
  object: 'not-an-object',
};

type Mutation = { kind: string; value: unknown; expect: 'refused' | 'handled' };

/** Values a JSON property's schema refuses (and the hostile ones it lets through). */
function propertyMutations(doc: OpenApiDocument, raw: OpenApiSchema, required: boolean): Mutation[] {
  const schema = resolveSchema(doc, raw);
  const out: Mutation[] = [];
  const refuse = (kind: string, value: unknown) => out.push({ kind, value, expect: 'refused' });
  if (required) refuse('missing (required)', OMIT);
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (type && type in wrongType) refuse(`wrong type (${type} expected)`, wrongType[type]);
  if (!schema.nullable && schema.default === undefined) refuse('null', null);
  if (type === 'string') {
    if (schema.enum) refuse('not one of the enum', 'not-an-option');
    if (schema.maxLength !== undefined) {
      refuse(
        `${schema.maxLength + 1} characters (maxLength ${schema.maxLength})`,
        'x'.repeat(schema.maxLength + 1),
      );
    }
    if (schema.minLength)
      refuse(
        `${schema.minLength - 1} characters (minLength ${schema.minLength})`,
        'x'.repeat(schema.minLength - 1),
      );
    if (schema.format === 'uuid') refuse('not a uuid', 'not-a-uuid');
    else if (schema.format === 'date-time') {
      refuse('not a date-time', 'tomorrow at noon');
      refuse('an impossible date', '2030-02-30T10:00:00Z');
    } else if (schema.format === 'uri') refuse('not a URI', 'not a url');
    else if (schema.pattern) {
      const pattern = new RegExp(schema.pattern);
      const value = offPattern.find((v) => !pattern.test(v));
      if (value !== undefined) refuse(`off the pattern (${JSON.stringify(value)})`, value);
    }
    const nul = schema.enum || schema.format ? undefined : withNul(schema.pattern);
    if (nul !== undefined) out.push({ kind: 'a NUL byte', value: nul, expect: 'handled' });
  }
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) refuse(`below the minimum ${schema.minimum}`, schema.minimum - 1);
    if (schema.maximum !== undefined) refuse(`above the maximum ${schema.maximum}`, schema.maximum + 1);
    if (type === 'integer') refuse('not an integer', 1.5);
  }
  if (type === 'array' && schema.items) {
    const items = resolveSchema(doc, schema.items);
    const itemType = items.type ?? 'object';
    if (itemType in wrongType)
      refuse(`an item of the wrong type (${itemType} expected)`, [wrongType[itemType]]);
    if (items.format === 'uuid') refuse('an item that is not a uuid', ['not-a-uuid']);
    if (schema.maxItems !== undefined) {
      refuse(
        `${schema.maxItems + 1} items (maxItems ${schema.maxItems})`,
        Array.from({ length: schema.maxItems + 1 }, () => sample(doc, items)),
      );
    }
  }
  return out;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown, parents: unknown[]): void {
  let node = target;
  for (const [i, key] of path.slice(0, -1).entries()) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child))
      node[key] = structuredClone(parents[i]);
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1)!;
  if (value === OMIT) delete node[last];
  else node[last] = value;
}

/** Bad values for every property of a JSON body, nested objects included. */
function bodyPropertyCases(doc: OpenApiDocument, raw: OpenApiSchema): BadInput[] {
  const cases: BadInput[] = [];
  const walk = (object: OpenApiSchema, path: string[], parents: unknown[]) => {
    for (const [name, prop] of Object.entries(object.properties ?? {})) {
      const at = [...path, name];
      const field = at.join('.');
      for (const mutation of propertyMutations(doc, prop, (object.required ?? []).includes(name))) {
        cases.push({
          title: `body.${field}: ${mutation.kind}`,
          body: (valid) => {
            const body = structuredClone((valid ?? {}) as Record<string, unknown>);
            setAt(body, at, mutation.value, parents);
            return body;
          },
          expect: mutation.expect === 'refused' ? { refused: [400, 422], names: field } : 'handled',
        });
      }
      const resolved = resolveSchema(doc, prop);
      if (resolved.properties) walk(resolved, at, [...parents, sample(doc, resolved)]);
    }
  };
  walk(resolveSchema(doc, raw), [], []);
  return cases;
}

/** Bad values for a query or path parameter (always strings on the wire). */
function parameterMutations(schema: OpenApiSchema, required: boolean): Mutation[] {
  const out: Mutation[] = [];
  const refuse = (kind: string, value: unknown) => out.push({ kind, value, expect: 'refused' });
  if (required) refuse('missing (required)', OMIT);
  if (schema.type === 'integer' || schema.type === 'number') {
    refuse('not a number', 'abc');
    if (schema.minimum !== undefined)
      refuse(`below the minimum ${schema.minimum}`, String(schema.minimum - 1));
    if (schema.maximum !== undefined)
      refuse(`above the maximum ${schema.maximum}`, String(schema.maximum + 1));
    if (schema.type === 'integer') refuse('not an integer', '1.5');
  }
  if (schema.type === 'string') {
    if (schema.enum) refuse('not one of the enum', 'not-an-option');
    if (schema.maxLength !== undefined) {
      refuse(
        `${schema.maxLength + 1} characters (maxLength ${schema.maxLength})`,
        'x'.repeat(schema.maxLength + 1),
      );
    }
    if (schema.format === 'uuid') refuse('not a uuid', 'not-a-uuid');
    if (schema.format === 'date-time') {
      refuse('not a date-time', 'tomorrow at noon');
      refuse('an impossible date', '2030-02-30T10:00:00Z');
    }
    const nul = schema.enum || schema.format ? undefined : withNul(schema.pattern);
    if (nul !== undefined) out.push({ kind: 'a NUL byte', value: nul, expect: 'handled' });
  }
  return out;
}

/**
 * Every bad input for one operation. `validQuery` is the route's valid query, kept around the one
 * parameter being spoiled.
 */
export function badInputsFor(
  doc: OpenApiDocument,
  operation: OpenApiOperation,
  validQuery: Record<string, string>,
): BadInput[] {
  const cases: BadInput[] = [];
  for (const parameter of operation.parameters ?? []) {
    const schema = resolveSchema(doc, parameter.schema);
    for (const mutation of parameterMutations(schema, parameter.required ?? false)) {
      const refused = {
        refused: [400],
        names: `${parameter.in === 'path' ? 'params' : 'querystring'}.${parameter.name}`,
      };
      const expect = mutation.expect === 'refused' ? refused : 'handled';
      const title = `${parameter.in}.${parameter.name}: ${mutation.kind}`;
      if (parameter.in === 'path') {
        if (mutation.value === OMIT) continue;
        const value = String(mutation.value);
        // Fastify's router matches no route for a parameter over its maxParamLength (100).
        const unrouted = value.length > MAX_PARAM_LENGTH && mutation.expect === 'refused';
        cases.push({
          title,
          params: { [parameter.name]: value },
          expect: unrouted ? { refused: [404], names: 'no route' } : expect,
        });
      } else if (parameter.in === 'query') {
        const query = { ...validQuery };
        if (mutation.value === OMIT) delete query[parameter.name];
        else query[parameter.name] = String(mutation.value);
        cases.push({ title, query, expect });
      }
    }
  }
  const json = operation.requestBody?.content['application/json']?.schema;
  if (json) {
    const asIs = (valid: unknown) => valid;
    cases.push(
      { title: 'body: not valid JSON', rawBody: '{"content": ', expect: { refused: [400], names: 'JSON' } },
      {
        title: 'body: empty with a JSON content type',
        rawBody: '',
        expect: { refused: [400], names: 'body' },
      },
      { title: 'body: a JSON array', body: () => [], expect: { refused: [400], names: 'body' } },
      { title: 'body: a JSON string', body: () => 'text', expect: { refused: [400], names: 'body' } },
      { title: 'body: JSON null', body: () => null, expect: { refused: [400], names: 'body' } },
      {
        title: 'body: an XML content type',
        body: asIs,
        headers: { 'content-type': 'application/xml' },
        expect: { refused: [415], names: 'media type' },
      },
      {
        title: 'body: a text/plain content type',
        body: asIs,
        headers: { 'content-type': 'text/plain' },
        expect: { refused: [400, 415], names: 'body' },
      },
      {
        title: 'body: over the 1 MiB body limit',
        body: (valid) => ({ ...(valid as object), padding: 'x'.repeat(1024 * 1024) }),
        expect: { refused: [413], names: 'too large' },
      },
      {
        title: 'body: an unknown property with a 200 KB string',
        body: (valid) => ({ ...(valid as object), unexpected: 'x'.repeat(200 * 1024) }),
        expect: 'handled',
      },
      ...bodyPropertyCases(doc, json),
    );
  }
  return cases;
}
