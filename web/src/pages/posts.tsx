/** Every post, filtered by status, channel and date range, with full-text search. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, Inbox, PenSquare } from 'lucide-react';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useTimeZone } from '../app/preferences';
import { useChannels } from '../app/queries';
import { useWorkspace } from '../app/session';
import { ChannelAvatar } from '../components/channel';
import { StatusBadge, statusLabel } from '../components/status';
import { Button, Card, EmptyState, ErrorNotice, Field, PageHeader, Spinner } from '../components/ui';
import { formatDateTime, zonedToInstant } from '../lib/time';

const STATUSES = [
  'draft',
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
  'cancelled',
];

export function PostsPage() {
  const workspace = useWorkspace();
  const [zone] = useTimeZone();
  const [params, setParams] = useSearchParams();
  const channels = useChannels();
  const channelById = new Map((channels.data ?? []).map((c) => [c.id, c]));
  const filters = {
    status: params.get('status') ?? '',
    channelId: params.get('channel') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
  };
  // What is coming reads soonest first; everything else newest first.
  const sort = (params.get('sort') ??
    (filters.status === 'scheduled' ? 'when_asc' : 'when_desc')) as PostSort;
  const set = (key: string, value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  const query = useMemo(() => {
    const q: Record<string, string | number> = { limit: 25, sort };
    if (filters.status) q.status = filters.status;
    if (filters.channelId) q.channelId = filters.channelId;
    // Date filters are whole days in the user's zone.
    if (filters.from) q.from = zonedToInstant({ date: filters.from, time: '00:00' }, zone).toISOString();
    if (filters.to)
      q.to = new Date(
        zonedToInstant({ date: filters.to, time: '00:00' }, zone).getTime() + 86_400_000,
      ).toISOString();
    if (filters.q.trim()) q.q = filters.q.trim();
    return q;
  }, [filters.status, filters.channelId, filters.from, filters.to, filters.q, zone, sort]);

  const posts = useInfiniteQuery({
    queryKey: ['ws', workspace.id, 'posts', 'list', query],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/posts', {
          params: {
            path: { workspaceId: workspace.id },
            query: { ...query, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = posts.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filters).some(Boolean);

  return (
    <div className="stack">
      <PageHeader
        title="Posts"
        actions={
          workspace.canEdit ? (
            <Link to="/compose" className="btn btn-primary">
              <PenSquare size={16} aria-hidden="true" /> New post
            </Link>
          ) : null
        }
      />
      <search className="toolbar" aria-label="Filter posts">
        <Field label="Search" className="search">
          {(p) => (
            <input
              {...p}
              type="search"
              className="input"
              placeholder="Words in the text or title"
              defaultValue={filters.q}
              onChange={(e) => set('q', e.target.value)}
            />
          )}
        </Field>
        <Field label="Status">
          {(p) => (
            <select
              {...p}
              className="select"
              value={filters.status}
              onChange={(e) => set('status', e.target.value)}
            >
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Channel">
          {(p) => (
            <select
              {...p}
              className="select"
              value={filters.channelId}
              onChange={(e) => set('channel', e.target.value)}
            >
              <option value="">Any channel</option>
              {(channels.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From">
          {(p) => (
            <input
              {...p}
              type="date"
              className="input"
              value={filters.from}
              onChange={(e) => set('from', e.target.value)}
            />
          )}
        </Field>
        <Field label="To">
          {(p) => (
            <input
              {...p}
              type="date"
              className="input"
              value={filters.to}
              onChange={(e) => set('to', e.target.value)}
            />
          )}
        </Field>
        {filtered || params.get('sort') ? (
          <Button variant="ghost" onClick={() => setParams({}, { replace: true })}>
            Clear filters
          </Button>
        ) : null}
      </search>
      <Card bodyless>
        {posts.isPending ? (
          <Spinner />
        ) : posts.isError ? (
          <div className="card-body">
            <ErrorNotice error={posts.error} title="Posts could not be loaded." />
          </div>
        ) : items.length === 0 ? (
          <EmptyState
            icon={<Inbox size={36} aria-hidden="true" />}
            title={filtered ? 'No posts match these filters' : 'No posts yet'}
            action={
              filtered ? (
                <Button onClick={() => setParams({}, { replace: true })}>Clear filters</Button>
              ) : workspace.canEdit ? (
                <Link to="/compose" className="btn btn-primary">
                  Write your first post
                </Link>
              ) : null
            }
          >
            {filtered
              ? 'Try another status, channel or date range.'
              : 'Posts you write and schedule are listed here.'}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">Posts</caption>
              <thead>
                <tr>
                  <th scope="col">Post</th>
                  <th scope="col">Status</th>
                  <th scope="col">Channels</th>
                  <SortableHeader
                    label="When"
                    column="when"
                    sort={sort}
                    onSort={(next) => set('sort', next)}
                  />
                  <SortableHeader
                    label="Created"
                    column="created"
                    sort={sort}
                    onSort={(next) => set('sort', next)}
                  />
                </tr>
              </thead>
              <tbody>
                {items.map((post) => (
                  <tr key={post.id}>
                    <td data-label="Post">
                      <Link
                        to={`/posts/${post.id}`}
                        className="clip"
                        style={{ display: 'block', fontWeight: 550 }}
                      >
                        {post.title || post.content || 'Untitled post'}
                      </Link>
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={post.status} />
                    </td>
                    <td data-label="Channels">
                      <span className="row" style={{ gap: 4 }}>
                        {post.targets.map((t) => {
                          const channel = channelById.get(t.channelId);
                          return channel ? (
                            <span key={t.id} title={`${channel.name}: ${statusLabel(t.status)}`}>
                              <ChannelAvatar channel={channel} size="sm" />
                              <span className="sr-only">
                                {channel.name}: {statusLabel(t.status)}
                              </span>
                            </span>
                          ) : null;
                        })}
                      </span>
                    </td>
                    <td data-label="When" className="nowrap small">
                      {formatDateTime(post.publishedAt ?? post.scheduledAt ?? post.createdAt, zone, {
                        year: undefined,
                      })}
                    </td>
                    <td data-label="Created" className="nowrap small muted">
                      {formatDateTime(post.createdAt, zone, { year: undefined })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {posts.hasNextPage ? (
        <div className="row" style={{ justifyContent: 'center' }}>
          <Button onClick={() => void posts.fetchNextPage()} busy={posts.isFetchingNextPage}>
            Load more
          </Button>
        </div>
      ) : null}
    </div>
  );
}

type PostSort = 'created_desc' | 'created_asc' | 'when_asc' | 'when_desc';

/** A column header that sorts the list by its column; a second press reverses the order. */
function SortableHeader(props: {
  label: string;
  column: 'when' | 'created';
  sort: PostSort;
  onSort: (sort: PostSort) => void;
}) {
  const active = props.sort.startsWith(props.column);
  const ascending = props.sort.endsWith('_asc');
  const next: PostSort = `${props.column}_${active && !ascending ? 'asc' : 'desc'}`;
  return (
    <th scope="col" aria-sort={active ? (ascending ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="th-sort" onClick={() => props.onSort(next)}>
        {props.label}
        {active ? (
          ascending ? (
            <ArrowUp size={14} aria-hidden="true" />
          ) : (
            <ArrowDown size={14} aria-hidden="true" />
          )
        ) : null}
        <span className="sr-only">
          {active
            ? `, sorted ${ascending ? 'earliest' : 'latest'} first; press for ${ascending ? 'latest' : 'earliest'} first`
            : ', press to sort'}
        </span>
      </button>
    </th>
  );
}
