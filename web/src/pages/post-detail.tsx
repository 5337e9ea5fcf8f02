/**
 * One post: its content, and every target's status, remote link and attempt log, with the actions
 * that apply (retry failed targets, resolve unknown ones, reschedule, publish now, cancel, delete).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, ExternalLink, Pencil, RotateCcw, Send, Trash2, XCircle } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Channel, Post, Target } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { keys, useChannels, useMediaItems } from '../app/queries';
import { useWorkspace } from '../app/session';
import { ChannelAvatar, platformName, sandboxFeedUrl } from '../components/channel';
import { Dialog, useFeedback } from '../components/feedback';
import { StatusBadge } from '../components/status';
import { postHeadline } from '../lib/post-headline';
import { Button, Card, ErrorNotice, Field, Notice, PageHeader, Spinner } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';

const ACTIVE = new Set(['scheduled', 'publishing']);
const RETRYABLE_TARGETS = new Set(['failed', 'missed']);

export function PostDetailPage() {
  const { postId = '' } = useParams();
  const workspace = useWorkspace();
  const [zone] = useTimeZone();
  const navigate = useNavigate();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const channels = useChannels();
  const post = useQuery({
    queryKey: keys.post(workspace.id, postId),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/posts/{postId}', {
          params: { path: { workspaceId: workspace.id, postId } },
        }),
      ),
    // Follow a post while it is on its way out.
    refetchInterval: (q) =>
      q.state.data && ACTIVE.has(q.state.data.status)
        ? 3000
        : q.state.data?.targets.some((t) => ['retrying', 'publishing', 'deferred'].includes(t.status))
          ? 3000
          : false,
  });
  const media = useMediaItems(post.data?.mediaIds ?? []);
  const path = { params: { path: { workspaceId: workspace.id, postId } } };
  const after = async (message: string) => {
    await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
    feedback.success(message);
  };
  const action = useMutation({
    mutationFn: async (kind: 'retry' | 'cancel' | 'publish-now') => {
      if (kind === 'retry')
        return unwrap(api.POST('/api/workspaces/{workspaceId}/posts/{postId}/retry', path));
      if (kind === 'cancel')
        return unwrap(api.POST('/api/workspaces/{workspaceId}/posts/{postId}/cancel', path));
      return unwrap(api.POST('/api/workspaces/{workspaceId}/posts/{postId}/publish-now', path));
    },
    onSuccess: (_data, kind) =>
      after(
        kind === 'retry'
          ? 'Retrying the failed channels.'
          : kind === 'cancel'
            ? 'Post cancelled.'
            : 'Publishing now.',
      ),
    onError: feedback.error,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/workspaces/{workspaceId}/posts/{postId}', path)),
    onSuccess: async () => {
      await after('Post deleted.');
      navigate('/posts');
    },
    onError: feedback.error,
  });

  if (post.isPending) return <Spinner />;
  if (post.isError)
    return (
      <div className="stack">
        <BackLink />
        <ErrorNotice error={post.error} title="This post could not be loaded." />
      </div>
    );
  const p = post.data;
  const channelById = new Map((channels.data ?? []).map((c) => [c.id, c]));
  const canEdit = workspace.canEdit;
  const editable = canEdit && ['draft', 'scheduled', 'failed', 'cancelled'].includes(p.status);
  const hasRetryable = p.targets.some((t) => RETRYABLE_TARGETS.has(t.status));
  const state = postHeadline(p);

  return (
    <div className="stack">
      <BackLink />
      <PageHeader
        title={p.title || headline(p.content)}
        description={
          <span className="row">
            <StatusBadge status={state.badge} />
            <span>
              {state.at
                ? `${state.text} ${formatDateTime(state.at, zone)} (${formatRelative(state.at)})`
                : state.text === 'Created'
                  ? `Created ${formatDateTime(p.createdAt, zone)}`
                  : state.text.charAt(0).toUpperCase() + state.text.slice(1)}
            </span>
          </span>
        }
        actions={
          canEdit ? (
            <>
              {editable ? (
                <Link to={`/posts/${p.id}/edit`} className="btn">
                  <Pencil size={15} aria-hidden="true" /> Edit
                </Link>
              ) : null}
              {hasRetryable ? (
                <Button
                  variant="primary"
                  onClick={() => action.mutate('retry')}
                  busy={action.isPending && action.variables === 'retry'}
                >
                  <RotateCcw size={15} aria-hidden="true" /> Retry failed
                </Button>
              ) : null}
              {p.status === 'draft' || p.status === 'scheduled' ? (
                <Button
                  onClick={() => action.mutate('publish-now')}
                  busy={action.isPending && action.variables === 'publish-now'}
                >
                  <Send size={15} aria-hidden="true" /> Publish now
                </Button>
              ) : null}
              {p.status === 'scheduled' ? (
                <Button
                  onClick={async () => {
                    if (
                      await feedback.confirm({
                        title: 'Cancel this post?',
                        body: 'It will not be published. You can edit and schedule it again later.',
                        confirmLabel: 'Cancel post',
                        cancelLabel: 'Keep it scheduled',
                      })
                    )
                      action.mutate('cancel');
                  }}
                >
                  <XCircle size={15} aria-hidden="true" /> Cancel
                </Button>
              ) : null}
              <Button
                variant="danger"
                onClick={async () => {
                  if (
                    await feedback.confirm({
                      title: 'Delete this post?',
                      body: 'It is removed from Herald. Copies already published on the platforms stay there.',
                      confirmLabel: 'Delete',
                      danger: true,
                    })
                  )
                    remove.mutate();
                }}
                busy={remove.isPending}
              >
                <Trash2 size={15} aria-hidden="true" /> Delete
              </Button>
            </>
          ) : null
        }
      />
      <Card title="Content">
        <div className="post-content">
          <p style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {p.content || <span className="muted">No text.</span>}
          </p>
          {media.items.length > 0 ? (
            <div className="post-media">
              {media.items.map((m) => (
                <img key={m.id} src={m.url} alt={m.altText ?? ''} />
              ))}
            </div>
          ) : null}
        </div>
        {p.timezone ? (
          <p className="small muted" style={{ marginTop: 8 }}>
            Scheduled in {p.timezone}.
          </p>
        ) : null}
      </Card>
      <Card title={`Channels (${p.targets.length})`} bodyless>
        <ul className="list">
          {p.targets.map((t) => (
            <TargetRow
              key={t.id}
              target={t}
              post={p}
              channel={channelById.get(t.channelId)}
              zone={zone}
              canEdit={canEdit}
            />
          ))}
        </ul>
      </Card>
    </div>
  );
}

/** The first line of a post, short enough for a page title. */
function headline(content: string): string {
  const line = content.split('\n')[0]?.trim() ?? '';
  if (!line) return 'Post';
  return line.length > 70 ? `${line.slice(0, 69)}…` : line;
}

function BackLink() {
  return (
    <Link to="/posts" className="row small" style={{ gap: 4 }}>
      <ArrowLeft size={15} aria-hidden="true" /> All posts
    </Link>
  );
}

function TargetRow({
  target: t,
  post,
  channel,
  zone,
  canEdit,
}: {
  target: Target;
  post: Post;
  channel: Channel | undefined;
  zone: string;
  canEdit: boolean;
}) {
  const workspace = useWorkspace();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const [resolving, setResolving] = useState(false);
  const retry = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/jobs/{targetId}/retry', {
          params: { path: { workspaceId: workspace.id, targetId: t.id } },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      feedback.success(`Retrying ${channel?.name ?? 'this channel'}.`);
    },
    onError: feedback.error,
  });
  const name = channel?.name ?? platformName(t.platform);
  const feed = channel ? sandboxFeedUrl(channel) : null;
  return (
    <li data-testid={`target-${t.channelId}`}>
      <div className="row-between">
        <div className="row">
          {channel ? <ChannelAvatar channel={channel} size="sm" /> : null}
          <strong>{name}</strong>
          <StatusBadge status={t.status} />
        </div>
        <div className="row">
          {t.remoteUrl ? (
            <a href={t.remoteUrl} target="_blank" rel="noreferrer" className="btn btn-sm">
              <ExternalLink size={14} aria-hidden="true" /> View on {platformName(t.platform)}
              <span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : feed && t.status === 'published' ? (
            <a href={feed} target="_blank" rel="noreferrer" className="btn btn-sm">
              Sandbox feed
            </a>
          ) : null}
          {canEdit && RETRYABLE_TARGETS.has(t.status) ? (
            <Button size="sm" onClick={() => retry.mutate()} busy={retry.isPending}>
              <RotateCcw size={14} aria-hidden="true" /> Retry
            </Button>
          ) : null}
          {canEdit && t.status === 'unknown' ? (
            <Button size="sm" variant="primary" onClick={() => setResolving(true)}>
              Resolve
            </Button>
          ) : null}
        </div>
      </div>
      {t.contentOverride !== null ? (
        <div className="stack-sm" style={{ marginTop: 10 }}>
          <div className="small muted">Text for {name} (instead of the main text)</div>
          <p style={{ whiteSpace: 'pre-wrap', margin: 0 }} data-testid={`override-${t.channelId}`}>
            {t.contentOverride}
          </p>
        </div>
      ) : null}
      <dl className="kv" style={{ marginTop: 10 }}>
        {t.publishedAt ? (
          <>
            <dt>Published</dt>
            <dd>{formatDateTime(t.publishedAt, zone)}</dd>
          </>
        ) : t.scheduledAt ? (
          <>
            <dt>Scheduled</dt>
            <dd>{formatDateTime(t.scheduledAt, zone)}</dd>
          </>
        ) : null}
        {t.nextAttemptAt && !['published', 'failed', 'cancelled'].includes(t.status) ? (
          <>
            <dt>Next attempt</dt>
            <dd>
              {formatDateTime(t.nextAttemptAt, zone)} ({formatRelative(t.nextAttemptAt)})
            </dd>
          </>
        ) : null}
        <dt>Attempts</dt>
        <dd>{t.attempts}</dd>
        {t.remoteId ? (
          <>
            <dt>Remote id</dt>
            <dd className="mono">{t.remoteId}</dd>
          </>
        ) : null}
        {t.remotePartIds.length ? (
          <>
            <dt>Other parts</dt>
            <dd className="mono">{t.remotePartIds.join(', ')}</dd>
          </>
        ) : null}
      </dl>
      {t.errorMessage ? (
        <div style={{ marginTop: 10 }}>
          <Notice
            kind={t.status === 'published' ? 'info' : 'error'}
            title={t.errorCode ? `${t.errorCode}:` : undefined}
          >
            {t.errorMessage}
            {t.status === 'waiting_reauth' ? (
              <>
                {' '}
                <Link to="/channels">Reconnect the channel</Link> and it will be retried.
              </>
            ) : null}
          </Notice>
        </div>
      ) : null}
      {t.status === 'unknown' ? (
        <p className="small muted" style={{ marginTop: 8 }}>
          Herald lost track of this attempt and the platform cannot say whether it went out. Check the
          channel, then mark it published or retry.
        </p>
      ) : null}
      {t.attemptsLog.length > 0 ? (
        <details className="attempts" style={{ marginTop: 10 }}>
          <summary>Attempt log ({t.attemptsLog.length})</summary>
          <div className="table-wrap">
            <table className="table table-responsive" style={{ marginTop: 8 }}>
              <caption className="sr-only">Attempts for {name}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Started</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {t.attemptsLog.map((a) => (
                  <tr key={`${a.attemptNumber}-${a.startedAt}`}>
                    <td data-label="#">{a.attemptNumber}</td>
                    <td data-label="Started" className="nowrap">
                      {formatDateTime(a.startedAt, zone, {
                        year: undefined,
                        weekday: undefined,
                        second: '2-digit',
                      })}
                    </td>
                    <td data-label="Duration">{a.durationMs === null ? '—' : `${a.durationMs} ms`}</td>
                    <td data-label="Outcome">
                      <StatusBadge
                        status={a.outcome === 'retry' ? 'retrying' : a.outcome}
                        label={a.outcome.replaceAll('_', ' ')}
                      />
                    </td>
                    <td data-label="Error">
                      {a.errorMessage ? `${a.errorCode ? `${a.errorCode}: ` : ''}${a.errorMessage}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      {resolving ? (
        <ResolveDialog post={post} target={t} channelName={name} onClose={() => setResolving(false)} />
      ) : null}
    </li>
  );
}

function ResolveDialog({
  post,
  target,
  channelName,
  onClose,
}: {
  post: Post;
  target: Target;
  channelName: string;
  onClose(): void;
}) {
  const workspace = useWorkspace();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const [remoteUrl, setRemoteUrl] = useState('');
  const resolve = useMutation({
    mutationFn: (action: 'mark_published' | 'retry') =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/posts/{postId}/targets/{targetId}/resolve', {
          params: { path: { workspaceId: workspace.id, postId: post.id, targetId: target.id } },
          body: { action, ...(action === 'mark_published' && remoteUrl ? { remoteUrl } : {}) },
        }),
      ),
    onSuccess: async (_d, action) => {
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      feedback.success(
        action === 'retry' ? `Retrying ${channelName}.` : `Marked as published on ${channelName}.`,
      );
      onClose();
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    resolve.mutate('mark_published');
  };
  return (
    <Dialog title={`Did it publish on ${channelName}?`} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <div className="dialog-body">
          <p className="muted">
            Look at the channel. If the post is there, mark it published (add its link if you have it). If
            not, retry — Herald sends the same idempotency key, so platforms that honour it will not post
            twice.
          </p>
          <Field label="Link to the published post (optional)">
            {(p) => (
              <input
                {...p}
                className="input"
                type="url"
                placeholder="https://"
                value={remoteUrl}
                onChange={(e) => setRemoteUrl(e.target.value)}
              />
            )}
          </Field>
          <ErrorNotice error={resolve.error} />
        </div>
        <div className="dialog-actions">
          <Button onClick={onClose}>Close</Button>
          <Button
            onClick={() => resolve.mutate('retry')}
            busy={resolve.isPending && resolve.variables === 'retry'}
          >
            It is not there: retry
          </Button>
          <Button
            type="submit"
            variant="primary"
            busy={resolve.isPending && resolve.variables === 'mark_published'}
          >
            Mark published
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
