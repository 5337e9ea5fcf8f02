/**
 * The OpenAPI document is one people generate clients from: every operation has a unique
 * `operationId` and a summary, `servers` says where the API is, and no nullable schema lacks a type
 * (OpenAPI 3.0 requires one beside `nullable`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from './support/harness.ts';

type Operation = { operationId?: string; summary?: string };
type Document = { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document', () => {
  let herald: TestHerald;
  let doc: Document;
  beforeAll(async () => {
    herald = await startHerald();
    doc = (await herald.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document;
  });
  afterAll(async () => herald?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );

  it('gives every operation an operationId and a summary, and no two the same id', () => {
    expect(operations().length).toBeGreaterThan(40);
    const ids = new Map<string, string>();
    for (const { key, operation } of operations()) {
      expect(operation.operationId, `${key}: operationId`).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(operation.summary?.trim(), `${key}: summary`).toBeTruthy();
      const other = ids.get(operation.operationId!);
      expect(other, `${key} and ${other} share the operationId ${operation.operationId}`).toBeUndefined();
      ids.set(operation.operationId!, key);
    }
  });

  it('names the server', () => {
    expect(doc.servers?.[0]?.url).toBe(herald.config.publicUrl);
  });

  it('gives every nullable schema a type', () => {
    const untyped: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}/${i}`));
      else if (node && typeof node === 'object') {
        const schema = node as Record<string, unknown>;
        if (schema.nullable === true && !('type' in schema) && !('$ref' in schema)) untyped.push(path);
        for (const [key, value] of Object.entries(schema)) walk(value, `${path}/${key}`);
      }
    };
    walk(doc, '#');
    expect(untyped).toEqual([]);
  });
});
