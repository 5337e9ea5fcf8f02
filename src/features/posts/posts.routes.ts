/** Posts: create (draft or scheduled), list, read, edit, delete, and the schedule/publish/cancel/retry actions. */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import { idempotent } from '../../http/idempotency.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { cancelPost } from './cancel-post.ts';
import { createPost } from './create-post.ts';
import { deletePost } from './delete-post.ts';
import { getPost } from './get-post.ts';
import { listPosts } from './list-posts.ts';
import { checkPostInput } from './load-post-parts.ts';
import {
  listQuery,
  postInput,
  postList,
  postPatch,
  postView,
  resolveBody,
  scheduleBody,
  validationReply,
} from './posts.schemas.ts';
import { resolveTarget, retryPost } from './retry-post.ts';
import { schedulePost } from './schedule-post.ts';
import { updatePost } from './update-post.ts';

const postParams = workspaceParams.extend({ postId: z.uuid() });
const targetParams = postParams.extend({ targetId: z.uuid() });
const tags = ['posts'];

export function postRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/posts',
      {
        schema: {
          tags,
          summary: 'Create a post (draft, scheduled, or publish now)',
          description: 'Accepts an `Idempotency-Key` header: a repeat returns the first reply.',
          params: workspaceParams,
          body: postInput,
          response: { 201: postView, ...errorReplies },
        },
      },
      async (request, reply) =>
        idempotent(deps, request, reply, async () => ({
          status: 201,
          body: await createPost(deps, {
            workspaceId: request.params.workspaceId,
            authorId: requireAuth(request).userId,
            input: request.body,
          }),
        })),
    );

    app.post(
      '/posts/validate',
      {
        schema: {
          tags,
          operationId: 'validatePost',
          summary: "Check a post against each channel's platform rules without saving it",
          params: workspaceParams,
          body: postInput,
          response: { 200: validationReply, ...errorReplies },
        },
      },
      async (request) => {
        const { issues } = await checkPostInput(deps, {
          workspaceId: request.params.workspaceId,
          input: request.body,
        });
        return { issues };
      },
    );

    app.get(
      '/posts',
      {
        schema: {
          tags,
          summary: 'List posts (filters, full-text search, cursor pagination)',
          params: workspaceParams,
          querystring: listQuery,
          response: { 200: postList, ...errorReplies },
        },
      },
      async (request) => listPosts(deps, { workspaceId: request.params.workspaceId, ...request.query }),
    );

    app.get(
      '/posts/:postId',
      {
        schema: {
          tags,
          summary: 'A post with its targets and attempt log',
          params: postParams,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => getPost(deps.db, request.params),
    );

    app.patch(
      '/posts/:postId',
      {
        schema: {
          tags,
          summary: 'Edit a post; only targets that have not gone out change',
          params: postParams,
          body: postPatch,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => updatePost(deps, { ...request.params, patch: request.body }),
    );

    app.delete(
      '/posts/:postId',
      {
        schema: {
          tags,
          summary: 'Delete a post from Herald',
          params: postParams,
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await deletePost(deps, request.params);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/posts/:postId/schedule',
      {
        schema: {
          tags,
          summary: 'Schedule or reschedule the targets that have not gone out',
          params: postParams,
          body: scheduleBody,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => schedulePost(deps, { ...request.params, ...request.body }),
    );

    app.post(
      '/posts/:postId/publish-now',
      {
        schema: {
          tags,
          summary: 'Publish the pending targets now',
          params: postParams,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => schedulePost(deps, { ...request.params, publishNow: true }),
    );

    app.post(
      '/posts/:postId/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel the targets waiting to go out',
          params: postParams,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => cancelPost(deps, request.params),
    );

    app.post(
      '/posts/:postId/retry',
      {
        schema: {
          tags,
          summary: 'Retry failed and missed targets only',
          params: postParams,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) => retryPost(deps, request.params),
    );

    app.post(
      '/posts/:postId/targets/:targetId/resolve',
      {
        schema: {
          tags,
          summary: 'Resolve a target whose outcome is unknown: mark it published, or retry it',
          params: targetParams,
          body: resolveBody,
          response: { 200: postView, ...errorReplies },
        },
      },
      async (request) =>
        resolveTarget(deps, { ...request.params, ...request.body, userId: requireAuth(request).userId }),
    );
  };
}
