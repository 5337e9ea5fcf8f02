import { describe, expect, it } from 'vitest';
import { operationIdFor } from './operation-id.ts';

describe('operationIdFor', () => {
  it.each([
    ['GET', '/api/health', 'getHealth'],
    ['GET', '/api/workspaces', 'listWorkspaces'],
    ['POST', '/api/workspaces', 'createWorkspace'],
    ['DELETE', '/api/tokens/:id', 'deleteToken'],
    ['GET', '/api/workspaces/:workspaceId/posts', 'listPosts'],
    ['POST', '/api/workspaces/:workspaceId/posts', 'createPost'],
    ['GET', '/api/workspaces/{workspaceId}/posts/{postId}', 'getPost'],
    ['PATCH', '/api/workspaces/:workspaceId/posts/:postId', 'updatePost'],
    ['POST', '/api/workspaces/:workspaceId/posts/:postId/publish-now', 'publishNowPost'],
    ['POST', '/api/workspaces/:workspaceId/posts/:postId/targets/:targetId/resolve', 'resolvePostTarget'],
    ['GET', '/api/workspaces/:workspaceId/media', 'listMedia'],
    ['GET', '/api/workspaces/:workspaceId/media/:id', 'getMedia'],
    ['GET', '/api/workspaces/:workspaceId/media/:id/content', 'getMediaContent'],
    ['GET', '/api/workspaces/:workspaceId/stats', 'getStats'],
    ['PUT', '/api/workspaces/:workspaceId/categories/:id', 'replaceCategory'],
    ['GET', '/api/workspaces/:workspaceId/activities', 'listActivities'],
  ])('%s %s → %s', (method, url, id) => {
    expect(operationIdFor(method, url)).toBe(id);
  });
});
