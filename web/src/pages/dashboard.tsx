/** At a glance: what is scheduled, what went out today, how reliably, and what needs a person. */
import { useQuery } from '@tanstack/react-query';
import {
  AlertTriangle,
  CalendarClock,
  CheckCircle2,
  Gauge,
  PenSquare,
  PlugZap,
  Send,
  XCircle,
} from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, unwrap } from '../api/client';
import type { Channel, Stats } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { keys, useChannels, usePosts } from '../app/queries';
import { useWorkspace } from '../app/session';
import { ChannelAvatar, platformName } from '../components/channel';
import { StatusBadge } from '../components/status';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';

/** The API gives success rates as a percentage. */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate)}%`;
}

/**
 * A connection a person should look at, and why. Short-lived tokens are refreshed by Herald on its
 * own, so an expiry ahead is no problem; one already past (a refresh that did not happen) is.
 */
export function connectionProblem(channel: Channel, now = Date.now()): string | null {
  const c = channel.connection;
  if (c.status !== 'active') return `connection ${c.status}${c.lastError ? `: ${c.lastError}` : ''}`;
  if (c.health === 'unhealthy') return `unhealthy${c.lastError ? `: ${c.lastError}` : ''}`;
  if (c.tokenExpiresAt && Date.parse(c.tokenExpiresAt) < now - 5 * 60_000)
    return `access expired ${formatRelative(c.tokenExpiresAt)} and was not renewed`;
  return null;
}

export function DashboardPage() {
  const workspace = useWorkspace();
  const [zone] = useTimeZone();
  const stats = useQuery({
    queryKey: keys.stats(workspace.id, zone),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/stats', {
          params: { path: { workspaceId: workspace.id }, query: { tz: zone } },
        }),
      ),
    refetchInterval: 30_000,
  });
  const channels = useChannels();
  const failed = usePosts({ status: 'failed', sort: 'when_desc', limit: 5 });
  const partial = usePosts({ status: 'partially_published', sort: 'when_desc', limit: 5 });
  // Fixed at mount so the query key stays stable between renders.
  const [now] = useState(() => new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString());
  const upcoming = usePosts({ status: 'scheduled', from: now, sort: 'when_asc', limit: 6 });
  const unknown = useQuery({
    queryKey: keys.jobs(workspace.id, 'attention'),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/jobs', {
          params: { path: { workspaceId: workspace.id }, query: { state: 'attention' } },
        }),
      ),
  });

  const attention = [
    ...(failed.data?.items ?? []).map((p) => ({ key: p.id, post: p, kind: 'failed' as const })),
    ...(partial.data?.items ?? []).map((p) => ({ key: p.id, post: p, kind: 'partially_published' as const })),
  ];
  const brokenChannels = (channels.data ?? []).flatMap((c) => {
    const problem = connectionProblem(c);
    return problem ? [{ channel: c, problem }] : [];
  });
  const unknownItems = unknown.data?.items ?? [];
  const expiring = stats.data?.connectionsExpiringSoon ?? 0;
  const nothingToDo =
    expiring === 0 &&
    !failed.isPending &&
    !partial.isPending &&
    attention.length === 0 &&
    brokenChannels.length === 0 &&
    unknownItems.length === 0;

  return (
    <div className="stack">
      <PageHeader
        title="Dashboard"
        description={`${workspace.name} · times in ${zone}`}
        actions={
          workspace.canEdit ? (
            <Link to="/compose" className="btn btn-primary">
              <PenSquare size={16} aria-hidden="true" /> New post
            </Link>
          ) : null
        }
      />
      {stats.isError ? <ErrorNotice error={stats.error} title="Stats are not available." /> : null}
      <StatCards stats={stats.data} loading={stats.isPending} />

      {channels.data && channels.data.length === 0 ? (
        <Card>
          <EmptyState
            icon={<PlugZap size={36} aria-hidden="true" />}
            title="Connect your first channel"
            action={
              <Link to="/channels" className="btn btn-primary">
                Connect a channel
              </Link>
            }
          >
            Herald publishes to the accounts you connect. Start with the sandbox network to try everything
            safely.
          </EmptyState>
        </Card>
      ) : null}

      <div className="two-col">
        <Card title="Needs attention" bodyless>
          {nothingToDo ? (
            <EmptyState icon={<CheckCircle2 size={34} aria-hidden="true" />} title="All clear">
              No failed posts, unknown outcomes or broken connections.
            </EmptyState>
          ) : (
            <ul className="list">
              {expiring > 0 ? (
                <li className="row">
                  <AlertTriangle size={18} color="var(--warning)" aria-hidden="true" />
                  <div className="grow">
                    <strong>
                      {expiring} connection{expiring === 1 ? '' : 's'} expire{expiring === 1 ? 's' : ''}{' '}
                      within a week
                    </strong>{' '}
                    <span className="muted">and cannot renew on their own: reconnect before then.</span>
                  </div>
                  <Link to="/channels" className="btn btn-sm">
                    Reconnect
                  </Link>
                </li>
              ) : null}
              {brokenChannels.map(({ channel, problem }) => (
                <li key={channel.id} className="row">
                  <ChannelAvatar channel={channel} size="sm" />
                  <div className="grow">
                    <strong>{channel.name}</strong> <span className="muted">— {problem}</span>
                  </div>
                  <Link to="/channels" className="btn btn-sm">
                    Fix
                  </Link>
                </li>
              ))}
              {unknownItems.map((item) => (
                <li key={item.targetId} className="row">
                  <AlertTriangle size={18} color="var(--warning)" aria-hidden="true" />
                  <div className="grow">
                    <strong>
                      {item.status === 'unknown' ? 'Did it publish?' : 'Waiting for a reconnect'}
                    </strong>{' '}
                    <span className="muted">
                      {item.channelName} —{' '}
                      {item.status === 'unknown'
                        ? 'Herald could not tell; check the channel and resolve.'
                        : 'reconnect the channel and it goes out.'}
                    </span>
                  </div>
                  <Link
                    to={item.status === 'unknown' ? `/posts/${item.postId}` : '/channels'}
                    className="btn btn-sm"
                  >
                    {item.status === 'unknown' ? 'Resolve' : 'Reconnect'}
                  </Link>
                </li>
              ))}
              {attention.map(({ key, post, kind }) => (
                <li key={key} className="row">
                  <XCircle size={18} color="var(--danger)" aria-hidden="true" />
                  <div className="grow" style={{ minWidth: 160 }}>
                    <div className="row">
                      <StatusBadge status={kind} />
                      <span className="small muted">
                        {formatDateTime(post.scheduledAt ?? post.createdAt, zone)}
                      </span>
                    </div>
                    <div className="clip small" style={{ marginTop: 4 }}>
                      {post.content || post.title || 'Untitled post'}
                    </div>
                  </div>
                  <Link to={`/posts/${post.id}`} className="btn btn-sm">
                    Review
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Coming up" bodyless actions={<Link to="/calendar">Calendar</Link>}>
          {upcoming.isPending ? (
            <Spinner />
          ) : upcoming.isError ? (
            <div className="card-body">
              <ErrorNotice error={upcoming.error} />
            </div>
          ) : upcoming.data.items.length === 0 ? (
            <EmptyState icon={<CalendarClock size={34} aria-hidden="true" />} title="Nothing scheduled">
              {workspace.canEdit
                ? 'Write a post and pick a time; it will show up here.'
                : 'Nothing is scheduled yet.'}
            </EmptyState>
          ) : (
            <ul className="list">
              {upcoming.data.items.map((post) => (
                <li key={post.id}>
                  <Link to={`/posts/${post.id}`} style={{ textDecoration: 'none', color: 'inherit' }}>
                    <div className="row-between">
                      <span className="small" style={{ fontWeight: 600 }}>
                        {formatDateTime(post.scheduledAt, zone, { year: undefined })}
                      </span>
                      <span className="small muted">{formatRelative(post.scheduledAt)}</span>
                    </div>
                    <div className="clip small muted">{post.content || post.title}</div>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <PlatformChart stats={stats.data} />
    </div>
  );
}

function StatCards({ stats, loading }: { stats: Stats | undefined; loading: boolean }) {
  const value = (v: number | string | undefined) => (loading ? '…' : (v ?? '—'));
  const cards = [
    { label: 'Scheduled posts', value: value(stats?.totalScheduled), icon: CalendarClock, to: '/calendar' },
    {
      label: 'Posts published today',
      value: value(stats?.publishedToday),
      icon: Send,
      to: '/posts?status=published',
    },
    {
      label: 'Success rate (per channel post)',
      value: loading ? '…' : formatRate(stats?.successRate),
      icon: Gauge,
      to: '/posts',
    },
    { label: 'Failed posts', value: value(stats?.failedPosts), icon: XCircle, to: '/posts?status=failed' },
  ];
  return (
    <div className="stat-grid">
      {cards.map(({ label, value: v, icon: Icon, to }) => (
        <Link key={label} to={to} className="card stat" style={{ textDecoration: 'none', color: 'inherit' }}>
          <div className="stat-label">
            <Icon size={16} aria-hidden="true" />
            {label}
          </div>
          <div className="stat-value">{v}</div>
        </Link>
      ))}
    </div>
  );
}

function PlatformChart({ stats }: { stats: Stats | undefined }) {
  const rows = (stats?.platforms ?? []).map((p) => ({
    name: platformName(p.platform),
    Scheduled: p.scheduled,
    'Published today': p.publishedToday,
    Failed: p.failed,
    channels: p.connectedChannels,
    rate: formatRate(p.successRate),
  }));
  return (
    <Card title="Channel posts by platform">
      <p className="small muted" style={{ marginTop: 0 }}>
        Counted per channel: a post sent to three channels is three channel posts. The success rate is the
        same measure as above.
      </p>
      {rows.length === 0 ? (
        <p className="muted">Per-platform numbers appear once a channel is connected.</p>
      ) : (
        <>
          <div className="chart-box" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart
                data={rows}
                margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
                // The table below carries the same numbers for screen readers and keyboards.
                accessibilityLayer={false}
              >
                <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6eb" />
                <XAxis dataKey="name" tickLine={false} axisLine={false} />
                <YAxis allowDecimals={false} tickLine={false} axisLine={false} />
                <Tooltip cursor={{ fill: '#f5f6f8' }} />
                <Legend />
                <Bar dataKey="Scheduled" fill="#4f46e5" radius={[4, 4, 0, 0]} />
                <Bar dataKey="Published today" fill="#12b76a" radius={[4, 4, 0, 0]} />
                <Bar dataKey="Failed" fill="#f04438" radius={[4, 4, 0, 0]} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="table-wrap">
            <table className="table table-responsive" style={{ marginTop: 12 }}>
              <caption className="sr-only">Channel posts by platform</caption>
              <thead>
                <tr>
                  <th scope="col">Platform</th>
                  <th scope="col">Channels</th>
                  <th scope="col">Scheduled</th>
                  <th scope="col">Published today</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Success rate</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.name}>
                    <td data-label="Platform">{r.name}</td>
                    <td data-label="Channels">{r.channels}</td>
                    <td data-label="Scheduled">{r.Scheduled}</td>
                    <td data-label="Published today">{r['Published today']}</td>
                    <td data-label="Failed">{r.Failed}</td>
                    <td data-label="Success rate">{r.rate}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}
