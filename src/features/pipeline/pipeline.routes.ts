/** The pipeline board, item actions, AI settings and usage, and takedowns. */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, instantInput, workspaceParams } from '../../http/schemas.ts';
import { aiSettingsInput, aiSettingsView, getAiSettings, updateAiSettings } from '../ai/ai-settings.ts';
import { enrichItem } from '../ai/enrich-item.ts';
import { getAiUsage } from '../ai/get-ai-usage.ts';
import { listTakedowns } from '../takedowns/list-takedowns.ts';
import { requestTakedown } from '../takedowns/request-takedown.ts';
import { approveItem, rejectItem } from './approve-item.ts';
import { draftItem } from './draft-item.ts';
import { getItem, listItems } from './list-items.ts';
import {
  itemDetail,
  itemList,
  itemsQuery,
  takedownInput,
  takedownView,
  usageQuery,
  usageReply,
} from './pipeline.schemas.ts';

const itemParams = workspaceParams.extend({ itemId: z.uuid() });
const postParams = workspaceParams.extend({ postId: z.uuid() });
const tags = ['pipeline'];

export function pipelineRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/pipeline/items',
      {
        schema: {
          tags,
          operationId: 'listPipelineItems',
          summary: 'Collected items by stage, source or text, newest first (cursor pagination)',
          params: workspaceParams,
          querystring: itemsQuery,
          response: { 200: itemList, ...errorReplies },
        },
      },
      async (request) => listItems(deps, { workspaceId: request.params.workspaceId, ...request.query }),
    );

    app.get(
      '/pipeline/items/:itemId',
      {
        schema: {
          tags,
          operationId: 'getPipelineItem',
          summary: 'One item with its AI output, its cost and its processing log',
          params: itemParams,
          response: { 200: itemDetail, ...errorReplies },
        },
      },
      async (request) => getItem(deps, request.params),
    );

    app.post(
      '/pipeline/items/:itemId/enrich',
      {
        schema: {
          tags,
          operationId: 'enrichPipelineItem',
          summary: "Enrich (or re-enrich) an item now with the workspace's AI provider",
          params: itemParams,
          response: { 200: itemDetail, ...errorReplies },
        },
      },
      async (request) => {
        await enrichItem(deps, { ...request.params, force: true });
        return getItem(deps, request.params);
      },
    );

    app.post(
      '/pipeline/items/:itemId/draft',
      {
        schema: {
          tags,
          operationId: 'draftPipelineItem',
          summary: "Make an enriched item into a draft post on its source's channels",
          params: itemParams,
          response: { 200: itemDetail, ...errorReplies },
        },
      },
      async (request) => {
        await draftItem(deps, { ...request.params, authorId: requireAuth(request).userId });
        return getItem(deps, request.params);
      },
    );

    app.post(
      '/pipeline/items/:itemId/approve',
      {
        schema: {
          tags,
          operationId: 'approvePipelineItem',
          summary: 'Approve a drafted item: its post is scheduled (now, or at scheduledAt)',
          params: itemParams,
          body: z.object({ scheduledAt: instantInput.optional() }).optional(),
          response: { 200: itemDetail, ...errorReplies },
        },
      },
      async (request) => {
        await approveItem(deps, {
          ...request.params,
          ...(request.body?.scheduledAt ? { scheduledAt: request.body.scheduledAt } : {}),
        });
        return getItem(deps, request.params);
      },
    );

    app.post(
      '/pipeline/items/:itemId/reject',
      {
        schema: {
          tags,
          operationId: 'rejectPipelineItem',
          summary: 'Set an item aside; it is never processed further',
          params: itemParams,
          body: z.object({ reason: z.string().max(1000).optional() }).optional(),
          response: { 200: itemDetail, ...errorReplies },
        },
      },
      async (request) => {
        await rejectItem(deps, { ...request.params, reason: request.body?.reason });
        return getItem(deps, request.params);
      },
    );

    app.get(
      '/ai/settings',
      {
        schema: {
          tags,
          operationId: 'getAiSettings',
          summary: 'AI provider, model, prompts, prices and budgets (the key is never returned)',
          params: workspaceParams,
          response: { 200: aiSettingsView, ...errorReplies },
        },
      },
      async (request) => getAiSettings(deps, request.params),
    );

    app.put(
      '/ai/settings',
      {
        schema: {
          tags,
          operationId: 'updateAiSettings',
          summary: 'Change the AI provider, key, prompts, prices or budgets',
          params: workspaceParams,
          body: aiSettingsInput,
          response: { 200: aiSettingsView, ...errorReplies },
        },
        config: { access: 'admin' },
      },
      async (request) =>
        updateAiSettings(deps, { workspaceId: request.params.workspaceId, input: request.body }),
    );

    app.get(
      '/ai/usage',
      {
        schema: {
          tags,
          operationId: 'getAiUsage',
          summary: 'AI calls, tokens and cost between two times (default: the last 30 days)',
          params: workspaceParams,
          querystring: usageQuery,
          response: { 200: usageReply, ...errorReplies },
        },
      },
      async (request) => getAiUsage(deps, { workspaceId: request.params.workspaceId, ...request.query }),
    );

    app.post(
      '/posts/:postId/takedown',
      {
        schema: {
          tags,
          operationId: 'requestTakedown',
          summary:
            'Take a published post down: hidden now, removed from every platform after the grace period',
          params: postParams,
          body: takedownInput,
          response: { 202: takedownView, ...errorReplies },
        },
      },
      async (request, reply) => {
        const created = await requestTakedown(deps, {
          ...request.params,
          reason: request.body.reason,
          requestedBy: requireAuth(request).userId,
        });
        const [view] = (await listTakedowns(deps, request.params)).filter((t) => t.id === created.id);
        return reply.status(202).send(view!);
      },
    );

    app.get(
      '/takedowns',
      {
        schema: {
          tags,
          operationId: 'listTakedowns',
          summary: 'Takedown requests and how far each removal went',
          params: workspaceParams,
          response: { 200: z.object({ takedowns: z.array(takedownView) }), ...errorReplies },
        },
      },
      async (request) => ({ takedowns: await listTakedowns(deps, request.params) }),
    );
  };
}
