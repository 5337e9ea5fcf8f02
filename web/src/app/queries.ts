/** Server state shared by several pages, cached by TanStack Query under the workspace's key. */
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { assignChannelColors } from '../components/channel';
import { useWorkspace } from './session';

export const keys = {
  workspace: (ws: string) => ['ws', ws] as const,
  channels: (ws: string) => ['ws', ws, 'channels'] as const,
  platforms: (ws: string) => ['ws', ws, 'platforms'] as const,
  posts: (ws: string, filters: object) => ['ws', ws, 'posts', filters] as const,
  post: (ws: string, id: string) => ['ws', ws, 'post', id] as const,
  jobs: (ws: string, state: string) => ['ws', ws, 'jobs', state] as const,
  stats: (ws: string, tz: string) => ['ws', ws, 'stats', tz] as const,
  members: (ws: string) => ['ws', ws, 'members'] as const,
};

const path = (workspaceId: string) => ({ params: { path: { workspaceId } } });

export function useChannels() {
  const { id } = useWorkspace();
  return useQuery({
    queryKey: keys.channels(id),
    queryFn: async () => {
      const data = await unwrap(api.GET('/api/workspaces/{workspaceId}/channels', path(id)));
      assignChannelColors(data.items.map((c) => c.id));
      return data;
    },
    select: (data) => data.items,
  });
}

export function usePlatforms() {
  const { id } = useWorkspace();
  return useQuery({
    queryKey: keys.platforms(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{workspaceId}/platforms', path(id))),
    staleTime: 10 * 60_000,
  });
}

export type PostFilters = {
  status?: string;
  channelId?: string;
  from?: string;
  to?: string;
  q?: string;
  sort?: 'created_desc' | 'created_asc' | 'when_asc' | 'when_desc';
  limit?: number;
};

export function usePosts(
  filters: PostFilters,
  options: { refetchInterval?: number; enabled?: boolean } = {},
) {
  const { id } = useWorkspace();
  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''));
  return useQuery({
    queryKey: keys.posts(id, query),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/posts', { params: { path: { workspaceId: id }, query } }),
      ),
    placeholderData: keepPreviousData,
    ...options,
  });
}

/** Media by id (posts carry only `mediaIds`), in the order asked for. */
export function useMediaItems(ids: string[]) {
  const { id: workspaceId } = useWorkspace();
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ['ws', workspaceId, 'media', id],
      queryFn: () =>
        unwrap(
          api.GET('/api/workspaces/{workspaceId}/media/{id}', { params: { path: { workspaceId, id } } }),
        ),
      staleTime: Number.POSITIVE_INFINITY,
    })),
    combine: (results) => ({
      items: results.flatMap((r) => (r.data ? [r.data] : [])),
      isPending: results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}
