/** What the publisher is doing: waiting, running, deferred by a rate limit, retrying, failed. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ListChecks, RotateCcw } from 'lucide-react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { QueueState } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { keys, useChannels } from '../app/queries';
import { useWorkspace } from '../app/session';
import { ChannelAvatar, platformName } from '../components/channel';
import { useFeedback } from '../components/feedback';
import { StatusBadge } from '../components/status';
import { Button, Card, EmptyState, ErrorNotice, PageHeader, Spinner } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';

const STATES: { id: QueueState | ''; label: string }[] = [
  { id: '', label: 'All' },
  { id: 'waiting', label: 'Waiting' },
  { id: 'running', label: 'Running' },
  { id: 'deferred', label: 'Rate limited' },
  { id: 'retrying', label: 'Retrying' },
  { id: 'attention', label: 'Needs attention' },
  { id: 'failed', label: 'Failed' },
];
const isState = (value: string): value is QueueState => STATES.some((s) => s.id === value && value !== '');

export function QueuePage() {
  const workspace = useWorkspace();
  const [zone] = useTimeZone();
  const [params, setParams] = useSearchParams();
  const raw = params.get('state') ?? '';
  const state: QueueState | '' = isState(raw) ? raw : '';
  const channels = useChannels();
  const channelById = new Map((channels.data ?? []).map((c) => [c.id, c]));
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    queryKey: keys.jobs(workspace.id, state),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/jobs', {
          params: { path: { workspaceId: workspace.id }, query: state ? { state } : {} },
        }),
      ),
    refetchInterval: 5000,
  });
  const retry = useMutation({
    mutationFn: (targetId: string) =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/jobs/{targetId}/retry', {
          params: { path: { workspaceId: workspace.id, targetId } },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      feedback.success('Queued for another attempt.');
    },
    onError: feedback.error,
  });

  return (
    <div className="stack">
      <PageHeader
        title="Queue"
        description="Every channel a post is waiting to reach, and how it is going. Refreshes every few seconds."
      />
      <nav className="tabs" aria-label="Queue state">
        {STATES.map((s) => (
          <Link
            key={s.id}
            to={s.id ? `?state=${s.id}` : '?'}
            className="tab"
            aria-current={state === s.id ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              setParams(s.id ? { state: s.id } : {}, { replace: true });
            }}
          >
            {s.label}
          </Link>
        ))}
      </nav>
      <Card bodyless>
        {jobs.isPending ? (
          <Spinner />
        ) : jobs.isError ? (
          <div className="card-body">
            <ErrorNotice error={jobs.error} title="The queue could not be loaded." />
          </div>
        ) : jobs.data.items.length === 0 ? (
          <EmptyState icon={<ListChecks size={36} aria-hidden="true" />} title="Nothing here">
            {state === 'failed'
              ? 'No failed publishes. 🎉'
              : 'Scheduled posts appear here until every channel has them.'}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">Queue</caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col">Due</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.items.map((item) => {
                  const channel = channelById.get(item.channelId);
                  return (
                    <tr key={item.targetId}>
                      <td data-label="Channel">
                        <span className="row" style={{ flexWrap: 'nowrap' }}>
                          {channel ? <ChannelAvatar channel={channel} size="sm" /> : null}
                          <Link to={`/posts/${item.postId}`}>
                            {channel?.name ?? platformName(item.platform)}
                          </Link>
                        </span>
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={item.status} />
                      </td>
                      <td data-label="Due" className="nowrap small">
                        {formatDateTime(item.scheduledAt, zone, { year: undefined })}
                      </td>
                      <td data-label="Next attempt" className="nowrap small">
                        {item.nextAttemptAt ? (
                          <>
                            {item.status === 'deferred' ? 'until ' : ''}
                            {formatDateTime(item.nextAttemptAt, zone, {
                              year: undefined,
                              weekday: undefined,
                            })}
                            <div className="muted">{formatRelative(item.nextAttemptAt)}</div>
                          </>
                        ) : (
                          ''
                        )}
                      </td>
                      <td data-label="Attempts">
                        {item.attempts}/{item.maxAttempts}
                      </td>
                      <td data-label="Last error" className="small">
                        {item.errorMessage
                          ? `${item.errorCode ? `${item.errorCode}: ` : ''}${item.errorMessage}`
                          : ''}
                      </td>
                      <td data-label="">
                        {workspace.canEdit && (item.status === 'failed' || item.status === 'missed') ? (
                          <Button
                            size="sm"
                            onClick={() => retry.mutate(item.targetId)}
                            busy={retry.isPending && retry.variables === item.targetId}
                          >
                            <RotateCcw size={14} aria-hidden="true" /> Retry
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
