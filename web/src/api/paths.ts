/** The API as the web app sees it: every path of the server's generated OpenAPI document. */
import type { paths as GeneratedPaths } from './openapi';

export type ApiPaths = GeneratedPaths;

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The success body of `method` on `path`. */
export type Reply<P extends keyof ApiPaths, M extends keyof ApiPaths[P]> = ApiPaths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer Ok }
    ? JsonOf<Ok>
    : R extends { 201: infer Created }
      ? JsonOf<Created>
      : never
  : never;

/** The JSON request body of `method` on `path`. */
export type Body<P extends keyof ApiPaths, M extends keyof ApiPaths[P]> = ApiPaths[P][M] extends {
  requestBody?: infer B;
}
  ? JsonOf<NonNullable<B>>
  : never;
