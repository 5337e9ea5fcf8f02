/** Where the sandbox is mounted, and its absolute base URL as the caller reached it. */
import type { FastifyRequest } from 'fastify';

export type Site = {
  /** Path prefix, e.g. `/sandbox`. */
  mount: string;
  /** Absolute base URL, e.g. `http://127.0.0.1:3000/sandbox`, honouring X-Forwarded-* (trustProxy). */
  base(request: FastifyRequest): string;
};

export function siteAt(mount: string): Site {
  return { mount, base: (request) => `${request.protocol}://${request.host}${mount}` };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Malformed ids are answered like unknown ones (404), as platforms do. */
export const isUuid = (value: string) => uuidShape.test(value);
