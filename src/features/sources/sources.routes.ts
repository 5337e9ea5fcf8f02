/** Sources: CRUD and "collect now". */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { collectSource } from './collect-source.ts';
import { getSource, listSources } from './get-source.ts';
import { createSource, deleteSource, updateSource } from './manage-sources.ts';
import { collectReply, sourceInput, sourcePatch, sourceView } from './sources.schemas.ts';

const sourceParams = workspaceParams.extend({ sourceId: z.uuid() });
const tags = ['sources'];

export function sourceRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/sources',
      {
        schema: {
          tags,
          operationId: 'createSource',
          summary: 'Add a source: a subreddit listing, an RSS/Atom/JSON feed, or a sandbox account',
          params: workspaceParams,
          body: sourceInput,
          response: { 201: sourceView, ...errorReplies },
        },
        config: { access: 'admin' },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await createSource(deps, { workspaceId: request.params.workspaceId, input: request.body })),
    );

    app.get(
      '/sources',
      {
        schema: {
          tags,
          operationId: 'listSources',
          summary: "The workspace's sources with their status, last run and last error",
          params: workspaceParams,
          response: { 200: z.object({ sources: z.array(sourceView) }), ...errorReplies },
        },
      },
      async (request) => ({ sources: await listSources(deps, request.params) }),
    );

    app.get(
      '/sources/:sourceId',
      {
        schema: {
          tags,
          operationId: 'getSource',
          summary: 'One source',
          params: sourceParams,
          response: { 200: sourceView, ...errorReplies },
        },
      },
      async (request) => getSource(deps, request.params),
    );

    app.patch(
      '/sources/:sourceId',
      {
        schema: {
          tags,
          operationId: 'updateSource',
          summary: 'Change, pause or resume a source',
          params: sourceParams,
          body: sourcePatch,
          response: { 200: sourceView, ...errorReplies },
        },
        config: { access: 'admin' },
      },
      async (request) => updateSource(deps, { ...request.params, patch: request.body }),
    );

    app.delete(
      '/sources/:sourceId',
      {
        schema: {
          tags,
          operationId: 'deleteSource',
          summary: 'Remove a source and the items it collected',
          params: sourceParams,
          response: { 204: z.null(), ...errorReplies },
        },
        config: { access: 'admin' },
      },
      async (request, reply) => {
        await deleteSource(deps, request.params);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/sources/:sourceId/collect',
      {
        schema: {
          tags,
          operationId: 'collectSource',
          summary: 'Collect from a source now and say what was new',
          params: sourceParams,
          response: { 200: collectReply, ...errorReplies },
        },
      },
      async (request) => collectSource(deps, request.params),
    );
  };
}
