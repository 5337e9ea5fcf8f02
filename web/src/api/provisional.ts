/**
 * The API's shape as agreed in the web app's issue, for endpoints the server does not serve yet.
 *
 * `ApiPaths` (paths.ts) takes every path from the generated `openapi.d.ts` first and falls back to
 * these only for paths the server's document does not have, so each provisional entry disappears on
 * its own the moment its endpoint lands (and the compiler then checks the pages against the real
 * schema). Delete an entry once its endpoint exists; delete this file when none is left.
 *
 * Written in openapi-typescript's shape so openapi-fetch types both the same way.
 */

type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };

/** Herald's one error reply. */
export type ErrorBody = {
  error: { code: string; message: string; details: Record<string, unknown> | null };
};

type Errors = {
  400: Json<ErrorBody>;
  401: Json<ErrorBody>;
  403: Json<ErrorBody>;
  404: Json<ErrorBody>;
  409: Json<ErrorBody>;
  422: Json<ErrorBody>;
};

type Params<Path, Query> = { header?: never; cookie?: never } & ([Path] extends [never]
  ? { path?: never }
  : { path: Path }) &
  ([Query] extends [never] ? { query?: never } : { query?: Query });

/** A GET (or body-less write) replying with `Reply`. */
type Read<Path, Reply, Query = never> = {
  parameters: Params<Path, Query>;
  requestBody?: never;
  responses: { 200: Json<Reply> } & Errors;
};

/** A write with a JSON body. */
type Write<Path, Body, Reply> = {
  parameters: Params<Path, never>;
  requestBody: { content: { 'application/json': Body } };
  responses: { 200: Json<Reply>; 201: Json<Reply> } & Errors;
};

type PlatformApp = {
  id: string;
  platform: string;
  name: string;
  clientId: string;
  baseUrl: string | null;
  scopes: string[];
  isActive: boolean;
  workspaceId: string | null;
};
type Ok = { ok: boolean } | Record<string, never>;

export interface ProvisionalPaths {
  // TODO(platform apps API): remove once GET/POST /api/platform-apps and DELETE /api/platform-apps/{id} land.
  '/api/platform-apps': {
    get: Read<never, { items: PlatformApp[] }>;
    post: Write<
      never,
      { platform: string; name: string; clientId: string; clientSecret?: string; baseUrl?: string },
      PlatformApp
    >;
  };
  '/api/platform-apps/{id}': { delete: Read<{ id: string }, Ok> };
}
